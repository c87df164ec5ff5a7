namespace CohortSync.Connectors.Pushwoosh;

/// <summary>A list tag operation on one user: the change's position in its batch, the Pushwoosh user id and the operator.</summary>
/// <param name="Index">The change's index in <see cref="Core.Ports.SendRequest.Changes"/>.</param>
/// <param name="UserId">The Pushwoosh user id: the member's email or user id, as the destination's <c>identifier</c> says.</param>
/// <param name="Operator"><c>append</c> (add, update) or <c>remove</c>.</param>
public readonly record struct TagChange(int Index, string UserId, string Operator);
