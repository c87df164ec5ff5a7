namespace CohortSync.Connectors.Braze;

/// <summary>One <c>/users/track</c> request: its attributes objects and, for each, the batch index of its change.</summary>
/// <param name="Attributes">At most <see cref="BrazeTrackPlan.MaxObjectsPerRequest"/> objects.</param>
/// <param name="Indexes">The batch index of each object's change, in the same order.</param>
public sealed record BrazeTrackRequest(IReadOnlyList<BrazeAttributeUpdate> Attributes, IReadOnlyList<int> Indexes);
