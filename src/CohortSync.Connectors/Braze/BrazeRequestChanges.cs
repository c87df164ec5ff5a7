namespace CohortSync.Connectors.Braze;

/// <summary>The <c>cohort_changes</c> of one request, and the batch indexes they carry.</summary>
/// <param name="Changes">At most one remove object, then at most one add object.</param>
/// <param name="Indexes">The indexes, in the batch, of the changes in this request.</param>
public sealed record BrazeRequestChanges(IReadOnlyList<BrazeCohortChange> Changes, IReadOnlyList<int> Indexes);
