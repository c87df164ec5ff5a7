using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Iterable;

/// <summary>What one subscribe or unsubscribe answer means for the changes it carried.</summary>
/// <param name="Rejections">Refused changes, by their index in the send request, with reasons free of identifiers.</param>
/// <param name="AbsentOnRemove">Removes of users Iterable does not know (or has forgotten): counted as done.</param>
/// <param name="Unattributed">Failures Iterable counted but did not name under any identifier that was sent.</param>
/// <param name="Skipped">Subscribes of users Iterable has forgotten (GDPR), with that reason: settled as skipped, not
/// rejected, so they are not sent again while they stay in the cohort (see README.md, "Forgotten users").</param>
public sealed record IterableBulkOutcome(IReadOnlyList<MemberRejection> Rejections, int AbsentOnRemove, int Unattributed, IReadOnlyList<MemberRejection>? Skipped = null)
{
    /// <summary>How many subscribes were skipped as forgotten.</summary>
    public int Forgotten => Skipped?.Count ?? 0;
}
