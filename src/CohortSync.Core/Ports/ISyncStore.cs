using System.Runtime.CompilerServices;
using CohortSync.Core.Definitions;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Ports;

/// <summary>A value read with the version tag a later conditional write must present.</summary>
public sealed record Versioned<T>(T Value, string ETag);

/// <summary>The per-sync state: which run holds the sync, the last scheduled slot, the destination container.</summary>
public sealed record SyncState
{
    /// <summary>The sync.</summary>
    public required string SyncId { get; init; }

    /// <summary>The run that holds the sync, if one is under way: a sync never has two runs at once.</summary>
    public string? ActiveRunId { get; init; }

    /// <summary>When <see cref="ActiveRunId"/> claimed the sync (a claim whose run record never appears is taken over after a minute).</summary>
    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>The latest schedule slot a run was started for.</summary>
    public DateTimeOffset? LastScheduledSlot { get; init; }

    /// <summary>When the source had last computed the cohort the baseline holds (skips unchanged exports).</summary>
    public DateTimeOffset? LastExportComputedAt { get; init; }

    /// <summary>The destination container id, once created.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The last run to finish, and how.</summary>
    public string? LastRunId { get; init; }

    /// <summary>The status of <see cref="LastRunId"/>.</summary>
    public RunStatus? LastRunStatus { get; init; }

    /// <summary>
    /// The version of the source (and of the sync's definition) the destination is in step with, recorded by the last run
    /// that completed with nothing pending; null when unknown. A scheduled slot whose source still has this version starts
    /// no run (see <see cref="Sources.SourceVersions"/>).
    /// </summary>
    public string? SourceVersion { get; init; }

    /// <summary>The scheduler's last check that found the source unchanged and so started no run.</summary>
    public SourceCheck? LastCheck { get; init; }

    /// <summary>The destination credential's rate (requests a second) the last run learned from 429s; the next run starts near it.</summary>
    public double? LearnedRequestsPerSecond { get; init; }
}

/// <summary>A scheduled slot for which the scheduler found the source unchanged and started no run.</summary>
/// <param name="At">When it checked.</param>
/// <param name="Slot">The schedule slot it checked for.</param>
/// <param name="Note">What it found, for people.</param>
public sealed record SourceCheck(DateTimeOffset At, DateTimeOffset Slot, string Note);

/// <summary>One stored batch: a run's changes for one send, and its outcome once settled.</summary>
public sealed record BatchRecord
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The batch number, from 0.</summary>
    public required int Number { get; init; }

    /// <summary>The changes, in snapshot order.</summary>
    public required IReadOnlyList<SnapshotChange> Changes { get; init; }

    /// <summary>Set once the batch has been sent and its outcome recorded.</summary>
    public BatchOutcome? Outcome { get; init; }

    /// <summary>What failed sends of the batch settled, request by request, while it has no outcome.</summary>
    public BatchProgress? Progress { get; init; }
}

/// <summary>The outcome of one batch: which changes the destination refused, and why. The rest were accepted.</summary>
public sealed record BatchOutcome
{
    /// <summary>The batch number.</summary>
    public int Number { get; init; }

    /// <summary>Changes accepted.</summary>
    public int Accepted { get; init; }

    /// <summary>Refused changes: position in the batch and reason.</summary>
    public IReadOnlyList<MemberRejection> Rejections { get; init; } = [];

    /// <summary>HTTP requests the send took (for the report and benchmarks).</summary>
    public int Requests { get; init; }

    /// <summary>The rate the destination's credential had learned when the batch finished (<see cref="SendResult.RequestsPerSecond"/>).</summary>
    public double? RequestsPerSecond { get; init; }

    /// <summary>Changes the destination settled without applying, for good, with the reason (<see cref="SendResult.Skipped"/>).</summary>
    public IReadOnlyList<MemberRejection> Skipped { get; init; } = [];

    /// <summary>Units the vendor bills that the batch wrote (<see cref="SendResult.DataPoints"/>), or null.</summary>
    public int? DataPoints { get; init; }
}

/// <summary>One refused change.</summary>
/// <param name="Index">Its position in the batch.</param>
/// <param name="Reason">Why, in the destination's words where it gave some; never the identifier itself.</param>
public sealed record MemberRejection(int Index, string Reason);

/// <summary>
/// The state-store port: destinations, syncs, per-sync state, runs and batches. Writes that race take an ETag and throw
/// <see cref="Errors.ConcurrencyException"/> when it is stale.
/// </summary>
public interface ISyncStore
{
    /// <summary>Reads a destination with its ETag, or null.</summary>
    Task<Versioned<DestinationDefinition>?> GetDestinationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists every destination.</summary>
    Task<IReadOnlyList<DestinationDefinition>> ListDestinationsAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts (etag null: fails if it exists) or replaces (etag given) a destination.</summary>
    Task<string> SaveDestinationAsync(DestinationDefinition destination, string? etag, CancellationToken cancellationToken = default);

    /// <summary>Deletes a destination (no error when absent).</summary>
    Task DeleteDestinationAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Reads a sync with its ETag, or null.</summary>
    Task<Versioned<SyncDefinition>?> GetSyncAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists every sync.</summary>
    Task<IReadOnlyList<SyncDefinition>> ListSyncsAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts (etag null) or replaces (etag given) a sync.</summary>
    Task<string> SaveSyncAsync(SyncDefinition sync, string? etag, CancellationToken cancellationToken = default);

    /// <summary>Deletes a sync and its state (no error when absent).</summary>
    Task DeleteSyncAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Reads a sync's state with its ETag, or null.</summary>
    Task<Versioned<SyncState>?> GetSyncStateAsync(string syncId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every sync's state with its ETag, for the scheduler's tick. A store should read them in one query; this default
    /// reads them one by one.
    /// </summary>
    async Task<IReadOnlyList<Versioned<SyncState>>> ListSyncStatesAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<Versioned<SyncState>>();
        foreach (var sync in await ListSyncsAsync(cancellationToken))
        {
            if (await GetSyncStateAsync(sync.Id, cancellationToken) is { } state)
            {
                states.Add(state);
            }
        }

        return states;
    }

    /// <summary>Inserts (etag null) or replaces (etag given) a sync's state.</summary>
    Task<string> SaveSyncStateAsync(SyncState state, string? etag, CancellationToken cancellationToken = default);

    /// <summary>Reads a run with its ETag, or null.</summary>
    Task<Versioned<RunRecord>?> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Inserts (etag null) or replaces (etag given) a run.</summary>
    Task<string> SaveRunAsync(RunRecord run, string? etag, CancellationToken cancellationToken = default);

    /// <summary>A sync's runs, newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string syncId, int max, CancellationToken cancellationToken = default);

    /// <summary>Stores a run's batches (upsert: preparing again overwrites).</summary>
    Task SaveBatchesAsync(string runId, IReadOnlyList<BatchRecord> batches, CancellationToken cancellationToken = default);

    /// <summary>Reads one batch with its changes and outcome, or null.</summary>
    Task<BatchRecord?> GetBatchAsync(string runId, int number, CancellationToken cancellationToken = default);

    /// <summary>Records a batch's outcome; the changes stay as stored.</summary>
    Task SaveBatchOutcomeAsync(string runId, BatchOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>Records what a failed send of a batch settled (replacing what an earlier one recorded); the changes stay as stored.</summary>
    Task SaveBatchProgressAsync(string runId, BatchProgress progress, CancellationToken cancellationToken = default);

    /// <summary>All of a run's batches, in order.</summary>
    Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A run's batches, in order, one at a time, so a commit of millions of changes holds one batch's changes at a time.
    /// An adapter should decode each batch only when it is reached; by default they are all read by
    /// <see cref="ListBatchesAsync"/>.
    /// </summary>
    async IAsyncEnumerable<BatchRecord> ReadBatchesAsync(string runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var batch in await ListBatchesAsync(runId, cancellationToken))
        {
            yield return batch;
        }
    }

    /// <summary>How many of a run's batches are settled (progress), without reading their changes.</summary>
    Task<int> CountSettledBatchesAsync(string runId, CancellationToken cancellationToken = default);
}
