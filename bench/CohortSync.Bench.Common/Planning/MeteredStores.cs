using System.Diagnostics;
using CohortSync.Azure.Tables;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;

namespace CohortSync.Bench.Planning;

/// <summary>Time, table transactions and bytes spent inside one store port. Calls are sequential in the children.</summary>
public sealed class StoreMeter
{
    private readonly TableStateStore _tables;

    public StoreMeter(TableStateStore tables) => _tables = tables;

    public long Calls { get; private set; }

    public long Transactions { get; private set; }

    public TimeSpan Elapsed { get; private set; }

    public long ChunksWritten { get; private set; }

    public long BytesWritten { get; private set; }

    public long ChunksRead { get; private set; }

    public long BytesRead { get; private set; }

    public MeterReading Read() => new(Calls, Transactions, Elapsed, ChunksWritten, BytesWritten, ChunksRead, BytesRead);

    public async Task<T> Measure<T>(Func<Task<T>> call)
    {
        var transactions = _tables.Transactions;
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await call();
        }
        finally
        {
            Elapsed += Stopwatch.GetElapsedTime(start);
            Transactions += _tables.Transactions - transactions;
            Calls++;
        }
    }

    public Task Measure(Func<Task> call) => Measure(async () =>
    {
        await call();
        return true;
    });

    public void Wrote(IReadOnlyList<byte[]> chunks)
    {
        ChunksWritten += chunks.Count;
        BytesWritten += chunks.Sum(c => (long)c.Length);
    }

    public void ReadChunks(IReadOnlyList<byte[]> chunks)
    {
        ChunksRead += chunks.Count;
        BytesRead += chunks.Sum(c => (long)c.Length);
    }
}

/// <summary>A reading of a <see cref="StoreMeter"/>; subtract two to get what happened in between.</summary>
public readonly record struct MeterReading(long Calls, long Transactions, TimeSpan Elapsed, long ChunksWritten, long BytesWritten, long ChunksRead, long BytesRead)
{
    public static MeterReading operator -(MeterReading a, MeterReading b) => new(
        a.Calls - b.Calls,
        a.Transactions - b.Transactions,
        a.Elapsed - b.Elapsed,
        a.ChunksWritten - b.ChunksWritten,
        a.BytesWritten - b.BytesWritten,
        a.ChunksRead - b.ChunksRead,
        a.BytesRead - b.BytesRead);

    public MeterReading Subtract(MeterReading other) => this - other;
}

/// <summary>The real snapshot store, metered: every baseline read and write of the activities goes through here.</summary>
public sealed class MeteredSnapshotStore : ISnapshotStore
{
    private readonly ISnapshotStore _inner;
    private readonly StoreMeter _meter;

    public MeteredSnapshotStore(ISnapshotStore inner, StoreMeter meter)
    {
        _inner = inner;
        _meter = meter;
    }

    public Task<Versioned<SnapshotManifest>?> GetManifestAsync(string syncId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetManifestAsync(syncId, cancellationToken));

    public Task SaveManifestAsync(SnapshotManifest manifest, string? etag, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveManifestAsync(manifest, etag, cancellationToken));

    public Task WriteSegmentAsync(string syncId, string segmentId, IReadOnlyList<byte[]> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        _meter.Wrote(chunks);
        return _meter.Measure(() => _inner.WriteSegmentAsync(syncId, segmentId, chunks, cancellationToken));
    }

    public async Task<IReadOnlyList<byte[]>> ReadSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default)
    {
        var chunks = await _meter.Measure(() => _inner.ReadSegmentAsync(syncId, segmentId, cancellationToken));
        _meter.ReadChunks(chunks);
        return chunks;
    }

    public Task DeleteSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.DeleteSegmentAsync(syncId, segmentId, cancellationToken));
}

/// <summary>The real sync store (runs, batches, definitions, state), metered.</summary>
public sealed class MeteredSyncStore : ISyncStore
{
    private readonly ISyncStore _inner;
    private readonly StoreMeter _meter;

    public MeteredSyncStore(ISyncStore inner, StoreMeter meter)
    {
        _inner = inner;
        _meter = meter;
    }

    public Task<Versioned<DestinationDefinition>?> GetDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetDestinationAsync(id, cancellationToken));

    public Task<IReadOnlyList<DestinationDefinition>> ListDestinationsAsync(CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.ListDestinationsAsync(cancellationToken));

    public Task<string> SaveDestinationAsync(DestinationDefinition destination, string? etag, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveDestinationAsync(destination, etag, cancellationToken));

    public Task DeleteDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.DeleteDestinationAsync(id, cancellationToken));

    public Task<Versioned<SyncDefinition>?> GetSyncAsync(string id, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetSyncAsync(id, cancellationToken));

    public Task<IReadOnlyList<SyncDefinition>> ListSyncsAsync(CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.ListSyncsAsync(cancellationToken));

    public Task<string> SaveSyncAsync(SyncDefinition sync, string? etag, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveSyncAsync(sync, etag, cancellationToken));

    public Task DeleteSyncAsync(string id, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.DeleteSyncAsync(id, cancellationToken));

    public Task<Versioned<SyncState>?> GetSyncStateAsync(string syncId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetSyncStateAsync(syncId, cancellationToken));

    public Task<IReadOnlyList<Versioned<SyncState>>> ListSyncStatesAsync(CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.ListSyncStatesAsync(cancellationToken));

    public Task<string> SaveSyncStateAsync(SyncState state, string? etag, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveSyncStateAsync(state, etag, cancellationToken));

    public Task<Versioned<RunRecord>?> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetRunAsync(runId, cancellationToken));

    public Task<string> SaveRunAsync(RunRecord run, string? etag, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveRunAsync(run, etag, cancellationToken));

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string syncId, int max, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.ListRunsAsync(syncId, max, cancellationToken));

    public Task SaveBatchesAsync(string runId, IReadOnlyList<BatchRecord> batches, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveBatchesAsync(runId, batches, cancellationToken));

    public Task<BatchRecord?> GetBatchAsync(string runId, int number, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.GetBatchAsync(runId, number, cancellationToken));

    public Task SaveBatchOutcomeAsync(string runId, BatchOutcome outcome, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveBatchOutcomeAsync(runId, outcome, cancellationToken));

    public Task SaveBatchProgressAsync(string runId, BatchProgress progress, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.SaveBatchProgressAsync(runId, progress, cancellationToken));

    public Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string runId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.ListBatchesAsync(runId, cancellationToken));

    public Task<int> CountSettledBatchesAsync(string runId, CancellationToken cancellationToken = default) =>
        _meter.Measure(() => _inner.CountSettledBatchesAsync(runId, cancellationToken));
}
