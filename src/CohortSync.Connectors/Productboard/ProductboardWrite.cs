namespace CohortSync.Connectors.Productboard;

/// <summary>The answer to a user write.</summary>
/// <param name="Refusal">Why it was refused, or <see cref="ProductboardRefusal.None"/>.</param>
/// <param name="UserId">Productboard's id of the user written, when it landed and the answer named it.</param>
/// <param name="Reason">The rejection reason for a conflict or a field refusal: fixed text and sanitised codes only.</param>
public sealed record ProductboardWrite(ProductboardRefusal Refusal, string? UserId, string? Reason);
