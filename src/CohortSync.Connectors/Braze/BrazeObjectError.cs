namespace CohortSync.Connectors.Braze;

/// <summary>A non-fatal error Braze reported for one object of a <c>/users/track</c> request.</summary>
/// <param name="Index">The object's position in the request's <c>attributes</c> array.</param>
/// <param name="Reason">Braze's <c>type</c> text, made safe (never an identifier).</param>
public sealed record BrazeObjectError(int Index, string Reason);
