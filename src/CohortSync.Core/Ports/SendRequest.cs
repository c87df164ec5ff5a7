using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Ports;

/// <summary>One batch to send.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="RunId">The run.</param>
/// <param name="BatchNumber">The batch.</param>
/// <param name="ContainerId">The destination container (list, cohort, tag) id.</param>
/// <param name="Changes">The changes, in snapshot order.</param>
/// <param name="SenderShare">This send's share of the destination's rate limit (1 / the lanes the workflow sends the run's
/// batches in).</param>
/// <param name="SenderLane">The send's lane (0 to lanes - 1): which of the rate's moments it may take, so the lanes'
/// requests never coincide, in one process or several.</param>
/// <param name="LearnedRequestsPerSecond">The destination credential's rate the sync's last runs learned
/// (<see cref="SyncState.LearnedRequestsPerSecond"/>): a credential with nothing learned in this process starts near it.</param>
/// <param name="Delivery">Where the connector records, request by request, which changes the destination has answered
/// for; null when nobody listens.</param>
public sealed record SendRequest(
    string SyncId,
    string RunId,
    int BatchNumber,
    string ContainerId,
    IReadOnlyList<SnapshotChange> Changes,
    double SenderShare = 1.0,
    int SenderLane = 0,
    double? LearnedRequestsPerSecond = null,
    DeliveryLog? Delivery = null)
{
    private IReadOnlyList<MemberChange>? _members;

    /// <summary>The changes decoded (keys and carried fields), once for the request, in the same order.</summary>
    public IReadOnlyList<MemberChange> Members => _members ??= MemberChange.DecodeAll(Changes);

    /// <summary>Records that the destination answered for these changes (positions in <see cref="Changes"/>): accepted
    /// unless among <paramref name="rejections"/>.</summary>
    public void Settled(IEnumerable<int> indexes, IEnumerable<MemberRejection>? rejections = null) => Delivery?.Settle(indexes, rejections);

    /// <summary>Records that the destination answered for one change.</summary>
    public void Settled(int index, MemberRejection? rejection) => Delivery?.Settle([index], rejection is null ? null : [rejection]);
}
