using System.Runtime.CompilerServices;
using CohortSync.Core.Definitions;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Ports;

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
