using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Ports;

/// <summary>What a destination can take.</summary>
/// <param name="MaxBatchSize">The most changes one batch may hold (the vendor's per-request cap, or a multiple the connector splits).</param>
/// <param name="KeyKinds">The key kinds it accepts.</param>
/// <param name="Notes">Facts for the run report (for example "Braze never creates users").</param>
/// <param name="PreferredBatchSize">The batch size that keeps a send's requests full, used when a sync sets none.</param>
public sealed record DestinationCapabilities(int MaxBatchSize, IReadOnlyList<KeyKind> KeyKinds, IReadOnlyList<string> Notes, int? PreferredBatchSize = null);

/// <summary>What Prepare asks of a destination before sending: a container for the cohort.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="CohortName">The cohort's name, to name the list or cohort.</param>
/// <param name="ExistingContainerId">The container created before, if any.</param>
/// <param name="CreatedAt">When the sync was created.</param>
public sealed record ContainerRequest(string SyncId, string CohortName, string? ExistingContainerId, DateTimeOffset CreatedAt);

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

/// <summary>The destination's verdict on a batch: refused changes with reasons; the rest were accepted.</summary>
/// <param name="Rejections">Refused changes.</param>
/// <param name="Requests">Requests the send took.</param>
/// <param name="RequestsPerSecond">The rate the destination's credential had learned when the batch finished (null when it
/// has a fixed rate or no limiter, or has learned nothing: it was never refused).</param>
/// <param name="DataPoints">Units the vendor bills that the send wrote (Braze's data points: one per attribute written);
/// null for a vendor that bills none.</param>
/// <param name="Skipped">Changes the destination settled without applying, for good (for example a user Iterable has
/// forgotten under GDPR), with the reason: kept in the baseline so they are not sent again while the member stays in the
/// cohort, and counted apart from accepted and rejected ones.</param>
public sealed record SendResult(
    IReadOnlyList<MemberRejection> Rejections, int Requests, double? RequestsPerSecond = null, int? DataPoints = null, IReadOnlyList<MemberRejection>? Skipped = null);

/// <summary>
/// A destination connector. Transient failures throw <see cref="Errors.RetryableDestinationException"/> (the engine retries);
/// bad credentials throw <see cref="Errors.DestinationAuthException"/>; per-member refusals come back as data.
/// </summary>
public interface IDestinationConnector
{
    /// <summary>The type name definitions refer to.</summary>
    string Type { get; }

    /// <summary>What this destination can take.</summary>
    DestinationCapabilities Describe(DestinationDefinition destination);

    /// <summary>Checks one key before it is sent; returns the reason it would be refused, or null.</summary>
    string? Validate(DestinationKey key, string? payload);

    /// <summary>Finds or creates the container for a cohort and returns its id. Idempotent.</summary>
    Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken);

    /// <summary>Sends one batch.</summary>
    Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken);
}

/// <summary>Finds connectors by type.</summary>
public interface IDestinationRegistry
{
    /// <summary>The connector for a type; throws <see cref="Errors.NotFoundException"/> for an unknown type.</summary>
    IDestinationConnector Resolve(string type);

    /// <summary>The known types.</summary>
    IReadOnlyCollection<string> Types { get; }
}
