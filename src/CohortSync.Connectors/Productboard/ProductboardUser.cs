namespace CohortSync.Connectors.Productboard;

/// <summary>A Productboard user as the public v1 schema gives it (<c>id</c>, <c>email</c>, <c>externalId</c>, <c>name</c>): no company.</summary>
/// <param name="Id">Productboard's own id of the user.</param>
/// <param name="Email">The email, if set.</param>
/// <param name="ExternalId">The external id, if set.</param>
public sealed record ProductboardUser(string Id, string? Email, string? ExternalId);
