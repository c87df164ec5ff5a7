using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using Microsoft.Azure.Cosmos.Table;
using Microsoft.Extensions.Options;

namespace CohortSync.Azure.Tables;

/// <summary>
/// The state store on Azure Table Storage (Azurite locally), through Microsoft.Azure.Cosmos.Table: Azure.Data.Tables is not
/// in this machine's registry, and this folder is the only code that touches the table client, so swapping it is a
/// one-folder change. Conditional writes use ETags (a stale one is a <see cref="ConcurrencyException"/>); filters are built
/// only with <see cref="TableQuery"/>'s helpers; snapshots and batches are compressed binary chunks, never a row per member.
/// </summary>
public sealed class TableStateStore : ISyncStore, ISnapshotStore, IDisposable
{
    private const string DestinationPartition = "destination";
    private const string SyncPartition = "sync";
    private const string StateRow = "state";
    private const string ManifestRow = "manifest";
    private const string Json = "Json";
    private const string Status = "Status";
    private const string Settled = "Settled";

    // A batch transaction holds at most 100 operations and 4 MiB; Azurite refuses five 640 KiB entities (413).
    private const int MaxBatchOperations = 100;
    private const int MaxBatchBytes = 2 * 1024 * 1024;

    private readonly CloudTable _destinations;
    private readonly CloudTable _syncs;
    private readonly CloudTable _states;
    private readonly CloudTable _runs;
    private readonly CloudTable _batches;
    private readonly CloudTable _snapshots;
    private readonly SemaphoreSlim _initLock = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Creates the store.</summary>
    public TableStateStore(IOptions<TableStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var account = CloudStorageAccount.Parse(options.Value.ConnectionString);
        var client = account.CreateCloudTableClient();
        var prefix = options.Value.TablePrefix;
        _destinations = client.GetTableReference(prefix + "Destinations");
        _syncs = client.GetTableReference(prefix + "Syncs");
        _states = client.GetTableReference(prefix + "SyncState");
        _runs = client.GetTableReference(prefix + "Runs");
        _batches = client.GetTableReference(prefix + "Batches");
        _snapshots = client.GetTableReference(prefix + "Snapshots");
    }

    /// <inheritdoc/>
    public void Dispose() => _initLock.Dispose();

    /// <summary>Counts every storage request this store made (for benchmarks and cost reports).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    private long _transactions;

    /// <summary>Creates the tables if they do not exist. Called once, lazily, by every operation.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_initialized)
        {
            return;
        }

        await _initLock.WaitAsync(cancellationToken);
        try
        {
            if (!_initialized)
            {
                foreach (var table in new[] { _destinations, _syncs, _states, _runs, _batches, _snapshots })
                {
                    await table.CreateIfNotExistsAsync(null, null, cancellationToken);
                }

                _initialized = true;
            }
        }
        finally
        {
            _initLock.Release();
        }
    }

    // ---- destinations and syncs -------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<DestinationDefinition>?> GetDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<DestinationDefinition>(_destinations, DestinationPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<DestinationDefinition>> ListDestinationsAsync(CancellationToken cancellationToken = default) =>
        (await QueryAsync(_destinations, PartitionFilter(DestinationPartition), cancellationToken))
            .Select(e => StateJson.Deserialize<DestinationDefinition>(e.Properties[Json].StringValue)).ToList();

    /// <inheritdoc/>
    public Task<string> SaveDestinationAsync(DestinationDefinition destination, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return PutJsonAsync(_destinations, DestinationPartition, destination.Id, destination, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public Task DeleteDestinationAsync(string id, CancellationToken cancellationToken = default) =>
        DeleteAsync(_destinations, DestinationPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<Versioned<SyncDefinition>?> GetSyncAsync(string id, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SyncDefinition>(_syncs, SyncPartition, id, cancellationToken);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SyncDefinition>> ListSyncsAsync(CancellationToken cancellationToken = default) =>
        (await QueryAsync(_syncs, PartitionFilter(SyncPartition), cancellationToken))
            .Select(e => StateJson.Deserialize<SyncDefinition>(e.Properties[Json].StringValue)).ToList();

    /// <inheritdoc/>
    public Task<string> SaveSyncAsync(SyncDefinition sync, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return PutJsonAsync(_syncs, SyncPartition, sync.Id, sync, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task DeleteSyncAsync(string id, CancellationToken cancellationToken = default)
    {
        await DeleteAsync(_syncs, SyncPartition, id, cancellationToken);
        await DeleteAsync(_states, id, StateRow, cancellationToken);
    }

    // ---- per-sync state ------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<SyncState>?> GetSyncStateAsync(string syncId, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SyncState>(_states, syncId, StateRow, cancellationToken);

    /// <inheritdoc/>
    public Task<string> SaveSyncStateAsync(SyncState state, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return PutJsonAsync(_states, state.SyncId, StateRow, state, etag, cancellationToken);
    }

    // ---- runs ------------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<RunRecord>?> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        RunIds.IsValidRunId(runId) ? await GetJsonAsync<RunRecord>(_runs, RunIds.SyncIdOf(runId), runId, cancellationToken) : null;

    /// <inheritdoc/>
    public Task<string> SaveRunAsync(RunRecord run, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        return PutJsonAsync(_runs, run.SyncId, run.RunId, run, etag, cancellationToken, e => e.Properties[Status] = new EntityProperty(run.Status.ToString()));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(string syncId, int max, CancellationToken cancellationToken = default) =>
        (await QueryAsync(_runs, PartitionFilter(syncId), cancellationToken))
            .Select(e => StateJson.Deserialize<RunRecord>(e.Properties[Json].StringValue))
            .OrderByDescending(r => r.CreatedAt)
            .ThenByDescending(r => r.RunId, StringComparer.Ordinal)
            .Take(max)
            .ToList();

    /// <inheritdoc/>
    public async Task<IReadOnlyList<RunRecord>> ListUnfinishedRunsAsync(CancellationToken cancellationToken = default)
    {
        var filter = new[] { RunStatus.Pending, RunStatus.Sending, RunStatus.AwaitingApproval }
            .Select(s => TableQuery.GenerateFilterCondition(Status, QueryComparisons.Equal, s.ToString()))
            .Aggregate((a, b) => TableQuery.CombineFilters(a, TableOperators.Or, b));
        return (await QueryAsync(_runs, filter, cancellationToken))
            .Select(e => StateJson.Deserialize<RunRecord>(e.Properties[Json].StringValue))
            .OrderBy(r => r.CreatedAt)
            .ToList();
    }

    // ---- batches ---------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task SaveBatchesAsync(string runId, IReadOnlyList<BatchRecord> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var entities = batches.Select(b =>
        {
            var entity = new DynamicTableEntity(runId, BatchRow(b.Number));
            var chunks = SnapshotCodec.Encode(b.Changes);
            if (chunks.Count != 1)
            {
                throw new InvalidOperationException($"batch {b.Number} does not fit in one chunk");
            }

            BinaryProperties.Write(entity.Properties, "D", chunks[0]);
            entity.Properties["Count"] = new EntityProperty(b.Changes.Count);
            entity.Properties[Settled] = new EntityProperty(false);
            return entity;
        });
        await WriteAllAsync(_batches, entities, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<BatchRecord?> GetBatchAsync(string runId, int number, CancellationToken cancellationToken = default)
    {
        var entity = await RetrieveAsync(_batches, runId, BatchRow(number), cancellationToken);
        return entity is null ? null : ToBatch(entity);
    }

    /// <inheritdoc/>
    public async Task SaveBatchOutcomeAsync(string runId, BatchOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var entity = new DynamicTableEntity(runId, BatchRow(outcome.Number)) { ETag = "*" };
        entity.Properties[Settled] = new EntityProperty(true);
        BinaryProperties.Write(entity.Properties, "O", Deflate(StateJson.Serialize(outcome)));
        await ExecuteAsync(_batches, TableOperation.Merge(entity), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string runId, CancellationToken cancellationToken = default) =>
        (await QueryAsync(_batches, PartitionFilter(runId), cancellationToken)).Select(ToBatch).OrderBy(b => b.Number).ToList();

    /// <inheritdoc/>
    public async Task<int> CountSettledBatchesAsync(string runId, CancellationToken cancellationToken = default)
    {
        var filter = TableQuery.CombineFilters(
            PartitionFilter(runId),
            TableOperators.And,
            TableQuery.GenerateFilterConditionForBool(Settled, QueryComparisons.Equal, true));
        return (await QueryAsync(_batches, filter, cancellationToken, select: [Settled])).Count;
    }

    // ---- snapshots -------------------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public async Task<Versioned<SnapshotManifest>?> GetManifestAsync(string syncId, CancellationToken cancellationToken = default) =>
        await GetJsonAsync<SnapshotManifest>(_snapshots, syncId, ManifestRow, cancellationToken);

    /// <inheritdoc/>
    public async Task SaveManifestAsync(SnapshotManifest manifest, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await PutJsonAsync(_snapshots, manifest.SyncId, ManifestRow, manifest, etag, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task WriteSegmentAsync(string syncId, string segmentId, IReadOnlyList<byte[]> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var entities = chunks.Select((chunk, i) =>
        {
            var entity = new DynamicTableEntity(syncId, SegmentRow(segmentId, i));
            BinaryProperties.Write(entity.Properties, "D", chunk);
            return entity;
        });
        await WriteAllAsync(_snapshots, entities, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<byte[]>> ReadSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default) =>
        (await QueryAsync(_snapshots, SegmentFilter(syncId, segmentId), cancellationToken))
            .OrderBy(e => e.RowKey, StringComparer.Ordinal)
            .Select(e => BinaryProperties.Read(e.Properties, "D"))
            .ToList();

    /// <inheritdoc/>
    public async Task DeleteSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default)
    {
        var keys = await QueryAsync(_snapshots, SegmentFilter(syncId, segmentId), cancellationToken, select: ["RowKey"]);
        foreach (var group in keys.Chunk(MaxBatchOperations))
        {
            var batch = new TableBatchOperation();
            foreach (var entity in group)
            {
                entity.ETag = "*";
                batch.Delete(entity);
            }

            await ExecuteBatchAsync(_snapshots, batch, cancellationToken);
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------------------------

    private static string BatchRow(int number) => number.ToString("D6", CultureInfo.InvariantCulture);

    private static string SegmentRow(string segmentId, int chunk) =>
        "s|" + segmentId + "|" + chunk.ToString("D5", CultureInfo.InvariantCulture);

    private static string PartitionFilter(string partition) =>
        TableQuery.GenerateFilterCondition("PartitionKey", QueryComparisons.Equal, partition);

    private static string SegmentFilter(string syncId, string segmentId) =>
        TableQuery.CombineFilters(
            PartitionFilter(syncId),
            TableOperators.And,
            TableQuery.CombineFilters(
                TableQuery.GenerateFilterCondition("RowKey", QueryComparisons.GreaterThanOrEqual, "s|" + segmentId + "|"),
                TableOperators.And,
                TableQuery.GenerateFilterCondition("RowKey", QueryComparisons.LessThan, "s|" + segmentId + "|~")));

    private static BatchRecord ToBatch(DynamicTableEntity entity)
    {
        var changes = SnapshotCodec.Decode([BinaryProperties.Read(entity.Properties, "D")]);
        BatchOutcome? outcome = null;
        if (entity.Properties.TryGetValue(Settled, out var settled) && settled.BooleanValue == true)
        {
            outcome = StateJson.Deserialize<BatchOutcome>(Inflate(BinaryProperties.Read(entity.Properties, "O")));
        }

        return new BatchRecord
        {
            RunId = entity.PartitionKey,
            Number = int.Parse(entity.RowKey, CultureInfo.InvariantCulture),
            Changes = changes,
            Outcome = outcome,
        };
    }

    private async Task<Versioned<T>?> GetJsonAsync<T>(CloudTable table, string partition, string row, CancellationToken cancellationToken)
    {
        var entity = await RetrieveAsync(table, partition, row, cancellationToken);
        return entity is null ? null : new Versioned<T>(StateJson.Deserialize<T>(entity.Properties[Json].StringValue), entity.ETag);
    }

    private async Task<string> PutJsonAsync<T>(
        CloudTable table, string partition, string row, T value, string? etag, CancellationToken cancellationToken, Action<DynamicTableEntity>? extra = null)
    {
        var entity = new DynamicTableEntity(partition, row);
        entity.Properties[Json] = new EntityProperty(StateJson.Serialize(value));
        extra?.Invoke(entity);
        TableOperation operation;
        if (etag is null)
        {
            operation = TableOperation.Insert(entity);
        }
        else
        {
            entity.ETag = etag;
            operation = TableOperation.Replace(entity);
        }

        var result = await ExecuteAsync(table, operation, cancellationToken);
        return result.Etag;
    }

    private async Task DeleteAsync(CloudTable table, string partition, string row, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(table, TableOperation.Delete(new DynamicTableEntity(partition, row) { ETag = "*" }), cancellationToken);
        }
        catch (NotFoundException)
        {
            // Deleting what is not there is done.
        }
    }

    private async Task<DynamicTableEntity?> RetrieveAsync(CloudTable table, string partition, string row, CancellationToken cancellationToken)
    {
        try
        {
            var result = await ExecuteAsync(table, TableOperation.Retrieve<DynamicTableEntity>(partition, row), cancellationToken);
            return result.Result as DynamicTableEntity;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private async Task<TableResult> ExecuteAsync(CloudTable table, TableOperation operation, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        Interlocked.Increment(ref _transactions);
        try
        {
            return await table.ExecuteAsync(operation, null, null, cancellationToken);
        }
        catch (StorageException ex)
        {
            throw Translate(ex);
        }
    }

    private async Task ExecuteBatchAsync(CloudTable table, TableBatchOperation batch, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken);
        Interlocked.Increment(ref _transactions);
        try
        {
            await table.ExecuteBatchAsync(batch, null, null, cancellationToken);
        }
        catch (StorageException ex)
        {
            throw Translate(ex);
        }
    }

    // Upserts entities in as few transactions as the limits allow: one partition, 100 operations, about 2 MiB each.
    private async Task WriteAllAsync(CloudTable table, IEnumerable<DynamicTableEntity> entities, CancellationToken cancellationToken)
    {
        var groups = entities.GroupBy(e => e.PartitionKey);
        foreach (var partition in groups)
        {
            var batch = new TableBatchOperation();
            var bytes = 0;
            foreach (var entity in partition)
            {
                var size = entity.Properties.Values.Sum(p => p.PropertyType == EdmType.Binary ? p.BinaryValue?.Length ?? 0 : 64);
                if (batch.Count > 0 && (batch.Count == MaxBatchOperations || bytes + size > MaxBatchBytes))
                {
                    await ExecuteBatchAsync(table, batch, cancellationToken);
                    batch = new TableBatchOperation();
                    bytes = 0;
                }

                batch.InsertOrReplace(entity);
                bytes += size;
            }

            if (batch.Count > 0)
            {
                await ExecuteBatchAsync(table, batch, cancellationToken);
            }
        }
    }

    private async Task<List<DynamicTableEntity>> QueryAsync(CloudTable table, string filter, CancellationToken cancellationToken, IList<string>? select = null)
    {
        await InitializeAsync(cancellationToken);
        var query = new TableQuery<DynamicTableEntity>().Where(filter);
        if (select is not null)
        {
            query = query.Select(select);
        }

        var results = new List<DynamicTableEntity>();
        TableContinuationToken? token = null;
        do
        {
            Interlocked.Increment(ref _transactions);
            TableQuerySegment<DynamicTableEntity> segment;
            try
            {
                segment = await table.ExecuteQuerySegmentedAsync(query, token, null, null, cancellationToken);
            }
            catch (StorageException ex)
            {
                throw Translate(ex);
            }

            results.AddRange(segment.Results);
            token = segment.ContinuationToken;
        }
        while (token is not null);
        return results;
    }

    private static Exception Translate(StorageException ex) => ex.RequestInformation?.HttpStatusCode switch
    {
        (int)HttpStatusCode.PreconditionFailed => new ConcurrencyException("the record changed since it was read (stale ETag)", ex),
        (int)HttpStatusCode.Conflict => new ConcurrencyException("the record already exists", ex),
        (int)HttpStatusCode.NotFound => new NotFoundException("the record does not exist", ex),
        _ => ex,
    };

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
