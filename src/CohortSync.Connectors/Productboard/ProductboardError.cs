namespace CohortSync.Connectors.Productboard;

/// <summary>One entry of a Productboard error body.</summary>
/// <param name="Code">The error code (for example <c>validation.request.body</c>).</param>
/// <param name="Detail">The human detail; may quote member data, so it never leaves the connector.</param>
/// <param name="Source">The JSON pointer of the offending field (<c>/data/email</c>), if given.</param>
/// <param name="Parameter">The offending parameter or header, if given.</param>
public sealed record ProductboardError(string? Code, string? Detail, string? Source, string? Parameter);
