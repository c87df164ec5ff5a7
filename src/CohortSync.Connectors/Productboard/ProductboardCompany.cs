namespace CohortSync.Connectors.Productboard;

/// <summary>A Productboard company as the connector reads it.</summary>
/// <param name="Id">Productboard's id of the company.</param>
/// <param name="Name">Its name.</param>
/// <param name="ExternalId">Its external id, if set.</param>
public sealed record ProductboardCompany(string Id, string? Name, string? ExternalId);
