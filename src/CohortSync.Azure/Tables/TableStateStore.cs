using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using Azure.Data.Tables;

namespace CohortSync.Azure.Tables;

/// <summary>
/// The state store on Azure Table Storage (Azurite locally), through Azure.Data.Tables; this folder is the only code that
/// touches the table client. Conditional writes use ETags (a stale one is a <see cref="ConcurrencyException"/>); filters are
/// built only with <see cref="TableClient.CreateQueryFilter(FormattableString)"/>; snapshots and batches are compressed
/// binary chunks, never a row per member.
/// </summary>
public sealed class TableStateStore : ISyncStore, ISnapshotStore
{
    private const string DestinationPartition = "destination";
    private const string SyncPartition = "sync";
    private const string StateRow = "state";
    private const string ManifestRow = "manifest";
    private const string Json = "Json";
    private const string Status = "Status";
    private const string Settled = "Settled";

    // Chunks read a page when a segment is read: 100 chunks, about 12 MB (a chunk holds about 10,000 members, compressed).
    private const int SegmentPage = 100;

    private const string DestinationsTable = "Destinations";
    private const string SyncsTable = "Syncs";
    private const string StatesTable = "SyncState";
    private const string RunsTable = "Runs";
    private const string BatchesTable = "Batches";
    private const string SnapshotsTable = "Snapshots";
    private readonly TableGateway _tables;

    /// <summary>Creates the store.</summary>
    public TableStateStore(TableGateway tables) => _tables = tables;

    /// <summary>Every storage request made so far, by this store and the other adapters on the same gateway.</summary>
    public long Transactions => _tables.Transactions;

    // ---- destinations and syncs -------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<DestinationDefinition>?> GetDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<DestinationDefinition>(DestinationsTable, DestinationPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DestinationDefinition>> ListDestinationsAsync(CancellationToken cancellationToken = default) =>
        (await _tables.QueryAsync(DestinationsTable, TableGateway.PartitionFilter(DestinationPartition), cancellationToken))
            .Select(e => StateJson.Deserialize<DestinationDefinition>(e.GetString(Json))).ToList();

    /// <inheritdoc/>
    public Task<string> SaveDestinationAsync(DestinationDefinition destination, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return PutJsonAsync(DestinationsTable, DestinationPartition, destination.Id, destination, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public Task DeleteDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        _tables.DeleteAsync(DestinationsTable, DestinationPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<Versioned<SyncDefinition>?> GetSyncAsync(string id, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SyncDefinition>(SyncsTable, SyncPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SyncDefinition>> ListSyncsAsync(CancellationToken cancellationToken = default) =>
        (await _tables.QueryAsync(SyncsTable, TableGateway.PartitionFilter(SyncPartition), cancellationToken))
            .Select(e => StateJson.Deserialize<SyncDefinition>(e.GetString(Json))).ToList();

    /// <inheritdoc/>
    public Task<string> SaveSyncAsync(SyncDefinition sync, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return PutJsonAsync(SyncsTable, SyncPartition, sync.Id, sync, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task DeleteSyncAsync(string id, CancellationToken cancellationToken = default)
    {
        await _tables.DeleteAsync(SyncsTable, SyncPartition, id, cancellationToken);
        await _tables.DeleteAsync(StatesTable, id, StateRow, cancellationToken);
    }

    // ---- per-sync state ------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<SyncState>?> GetSyncStateAsync(string syncId, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SyncState>(StatesTable, syncId, StateRow, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<Versioned<SyncState>>> ListSyncStatesAsync(CancellationToken cancellationToken = default) =>
        (await _tables.QueryAsync(StatesTable, TableClient.CreateQueryFilter($"RowKey eq {StateRow}"), cancellationToken))
            .Select(e => new Versioned<SyncState>(StateJson.Deserialize<SyncState>(e.GetString(Json)), TableGateway.ETagOf(e)))
            .ToList();

    /// <inheritdoc/>
    public Task<string> SaveSyncStateAsync(SyncState state, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return PutJsonAsync(StatesTable, state.SyncId, StateRow, state, etag, cancellationToken);
    }

    // ---- runs ------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<RunRecord>?> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        RunIds.IsValidRunId(runId) ? await GetJsonAsync<RunRecord>(RunsTable, RunIds.SyncIdOf(runId), runId, cancellationToken) : null;

    /// <inheritdoc/>
    public Task<string> SaveRunAsync(RunRecord run, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return PutJsonAsync(RunsTable, run.SyncId, run.RunId, run, etag, cancellationToken, e => e[Status] = run.Status.ToString());
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(string syncId, int max, CancellationToken cancellationToken = default) =>
        (await _tables.QueryAsync(RunsTable, TableGateway.PartitionFilter(syncId), cancellationToken))
            .Select(e => StateJson.Deserialize<RunRecord>(e.GetString(Json)))
            .OrderByDescending(r => r.CreatedAt)
            .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
            .Take(max)
            .ToList();

    // ---- batches ---------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task SaveBatchesAsync(string runId, IReadOnlyList<BatchRecord> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var entities = batches.Select(b =>
        {
            var entity = new TableEntity(runId, BatchRow(b.Number));
            var chunks = SnapshotCodec.Encode(b.Changes);
            if (chunks.Count != 1)
            {
                throw new InvalidOperationException($"batch {b.Number} does not fit in one chunk");
            }

            BinaryProperties.Write(entity, "D", chunks[0]);
            entity["Count"] = b.Changes.Count;
            entity[Settled] = false;
            return entity;
        });
        await _tables.WriteAllAsync(BatchesTable, entities, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<BatchRecord?> GetBatchAsync(string runId, int number, CancellationToken cancellationToken = default)
    {
        var entity = await _tables.RetrieveAsync(BatchesTable, runId, BatchRow(number), cancellationToken);
        return entity is null ? null : ToBatch(entity);
    }

    /// <inheritdoc/>
    public async Task SaveBatchOutcomeAsync(string runId, BatchOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var entity = new TableEntity(runId, BatchRow(outcome.Number)) { [Settled] = true };
        BinaryProperties.Write(entity, "O", Deflate(StateJson.Serialize(outcome)));
        await _tables.MergeExistingAsync(BatchesTable, entity, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task SaveBatchProgressAsync(string runId, BatchProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var entity = new TableEntity(runId, BatchRow(progress.Number));
        BinaryProperties.Write(entity, "P", Deflate(StateJson.Serialize(progress)));
        await _tables.MergeExistingAsync(BatchesTable, entity, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string runId, CancellationToken cancellationToken = default) =>
        (await _tables.QueryAsync(BatchesTable, TableGateway.PartitionFilter(runId), cancellationToken)).Select(ToBatch).OrderBy(b => b.Number).ToList();

    /// <inheritdoc/>
    public async IAsyncEnumerable<BatchRecord> ReadBatchesAsync(string runId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // The rows stay compressed (about 10 bytes a change) and each is decoded when it is reached: a commit of a first
        // sync of millions of members holds one batch of strings at a time. Row keys are zero-padded numbers: in order.
        var rows = await _tables.QueryAsync(BatchesTable, TableGateway.PartitionFilter(runId), cancellationToken);
        rows.Sort(static (a, b) => string.CompareOrdinal(a.RowKey, b.RowKey));
        for (var i = 0; i < rows.Count; i++)
        {
            var batch = ToBatch(rows[i]);
            rows[i] = null!;
            yield return batch;
        }
    }

    /// <inheritdoc/>
    public async Task<int> CountSettledBatchesAsync(string runId, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {runId} and Settled eq {true}");
        return (await _tables.QueryAsync(BatchesTable, filter, cancellationToken, select: [Settled])).Count;
    }

    // ---- snapshots -------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<SnapshotManifest>?> GetManifestAsync(string syncId, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SnapshotManifest>(SnapshotsTable, syncId, ManifestRow, cancellationToken);

    /// <inheritdoc/>
    public async Task SaveManifestAsync(SnapshotManifest manifest, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await PutJsonAsync(SnapshotsTable, manifest.SyncId, ManifestRow, manifest, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task WriteSegmentAsync(string syncId, string segmentId, IReadOnlyList<byte[]> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var entities = chunks.Select((chunk, i) =>
        {
            var entity = new TableEntity(syncId, SegmentRow(segmentId, i));
            BinaryProperties.Write(entity, "D", chunk);
            return entity;
        });
        await _tables.WriteAllAsync(SnapshotsTable, entities, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<byte[]>> ReadSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default)
    {
        // Pages of SegmentPage chunks (about 12 MB): a segment of 10,000,000 members (957 chunks, 110 MB) read as one page
        // was one response of 150 MB of base64 held at once, with its parsed entities, 13 times the bytes it carried.
        var chunks = new List<(string Row, byte[] Data)>();
        await foreach (var page in _tables.QueryPagesAsync(SnapshotsTable, TableGateway.PrefixFilter(syncId, "s|" + segmentId + "|"), SegmentPage, cancellationToken))
        {
            chunks.AddRange(page.Select(e => (e.RowKey, BinaryProperties.Read(e, "D"))));
        }

        return [.. chunks.OrderBy(c => c.Row, StringComparer.Ordinal).Select(c => c.Data)];
    }

    /// <inheritdoc/>
    public async Task DeleteSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default)
    {
        var keys = await _tables.QueryAsync(SnapshotsTable, TableGateway.PrefixFilter(syncId, "s|" + segmentId + "|"), cancellationToken, select: ["RowKey"]);
        await _tables.DeleteAllAsync(SnapshotsTable, keys, cancellationToken);
    }

    // ---- plumbing --------------------------------------------------------------------------------------------------

    private static string BatchRow(int number) => number.ToString("D6", CultureInfo.InvariantCulture);

    private static string SegmentRow(string segmentId, int chunk) =>
        "s|" + segmentId + "|" + chunk.ToString("D5", CultureInfo.InvariantCulture);

    private static BatchRecord ToBatch(TableEntity entity)
    {
        var changes = SnapshotCodec.Decode([BinaryProperties.Read(entity, "D")]);
        BatchOutcome? outcome = null;
        BatchProgress? progress = null;
        if (entity.GetBoolean(Settled) == true)
        {
            outcome = StateJson.Deserialize<BatchOutcome>(Inflate(BinaryProperties.Read(entity, "O")));
        }
        else if (entity.ContainsKey("P0"))
        {
            progress = StateJson.Deserialize<BatchProgress>(Inflate(BinaryProperties.Read(entity, "P")));
        }

        return new BatchRecord
        {
            RunId = entity.PartitionKey,
            Number = int.Parse(entity.RowKey, CultureInfo.InvariantCulture),
            Changes = changes,
            Outcome = outcome,
            Progress = progress,
        };
    }

    private async Task<Versioned<T>?> GetJsonAsync<T>(string table, string partition, string row, CancellationToken cancellationToken)
    {
        var entity = await _tables.RetrieveAsync(table, partition, row, cancellationToken);
        return entity is null ? null : new Versioned<T>(StateJson.Deserialize<T>(entity.GetString(Json)), TableGateway.ETagOf(entity));
    }

    private async Task<string> PutJsonAsync<T>(
        string table, string partition, string row, T value, string? etag, CancellationToken cancellationToken, Action<TableEntity>? extra = null)
    {
        var entity = new TableEntity(partition, row) { [Json] = StateJson.Serialize(value) };
        extra?.Invoke(entity);

        // The new ETag comes from the response; the client leaves the entity's own ETag as it was.
        return etag is null
            ? await _tables.AddAsync(table, entity, cancellationToken)
            : await _tables.ReplaceAsync(table, entity, etag, cancellationToken);
    }

    private static byte[] Deflate(string text)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest))
        {
            deflate.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    private static string Inflate(byte[] data)
    {
        using var input = new DeflateStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
