using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// One object of <c>/users/track</c>'s <c>attributes</c> array: one user (by external id, user alias or email), one custom
/// attribute write (one Braze data point). <see cref="ToString"/> leaves the identifier out.
/// </summary>
/// <param name="Key">The user's key (<see cref="KeyKind.UserId"/>, <see cref="KeyKind.Alias"/> or <see cref="KeyKind.Email"/>).</param>
/// <param name="Attribute">The custom attribute's name.</param>
/// <param name="Op">The write.</param>
/// <param name="Value">The cohort name for the array operations; unused for the boolean ones.</param>
/// <param name="UpdateExistingOnly">Sent as <c>_update_existing_only</c>: true never creates a user.</param>
public sealed record BrazeAttributeUpdate(DestinationKey Key, string Attribute, BrazeAttributeOp Op, string Value, bool UpdateExistingOnly)
{
    /// <inheritdoc/>
    public override string ToString() => $"BrazeAttributeUpdate {{ Kind = {Key.Kind}, Attribute = {Attribute}, Op = {Op} }}";
}
