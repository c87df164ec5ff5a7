using System.Collections.Concurrent;
using System.Net;
using CohortSync.Core.Errors;
using Microsoft.Azure.Cosmos.Table;
using Microsoft.Extensions.Options;

namespace CohortSync.Azure.Tables;

/// <summary>
/// The one place that calls Microsoft.Azure.Cosmos.Table: creates tables on first use, counts transactions, packs writes
/// into as few batch transactions as the limits allow, pages queries, and translates storage errors (412 and 409 to
/// <see cref="ConcurrencyException"/>, 404 to <see cref="NotFoundException"/>). Azure.Data.Tables is not in this
/// machine's registry; swapping the client means rewriting this folder only.
/// </summary>
public sealed class TableGateway
{
    // A batch transaction holds at most 100 operations and 4 MiB; Azurite refuses five 640 KiB entities (413).
    private const int MaxBatchOperations = 100;
    private const int MaxBatchBytes = 2 * 1024 * 1024;

    private readonly CloudTableClient _client;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, Lazy<Task<CloudTable>>> _tables = new(StringComparer.Ordinal);
    private long _transactions;

    /// <summary>Creates the gateway.</summary>
    public TableGateway(IOptions<TableStorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = CloudStorageAccount.Parse(options.Value.ConnectionString).CreateCloudTableClient();
        _prefix = options.Value.TablePrefix;
    }

    /// <summary>Every storage request made so far (for benchmarks and cost reports).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>A table by name (prefixed), created if it does not exist.</summary>
    public Task<CloudTable> TableAsync(string name) =>
        _tables.GetOrAdd(name, n => new Lazy<Task<CloudTable>>(async () =>
        {
            var table = _client.GetTableReference(_prefix + n);
            Interlocked.Increment(ref _transactions);
            await table.CreateIfNotExistsAsync();
            return table;
        })).Value;

    /// <summary>Runs one operation.</summary>
    public async Task<TableResult> ExecuteAsync(string table, TableOperation operation, CancellationToken cancellationToken)
    {
        var cloudTable = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            return await cloudTable.ExecuteAsync(operation, null, null, cancellationToken);
        }
        catch (StorageException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Reads one entity, or null.</summary>
    public async Task<DynamicTableEntity?> RetrieveAsync(string table, string partition, string row, CancellationToken cancellationToken)
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

    /// <summary>Deletes one entity; deleting what is not there is done.</summary>
    public async Task DeleteAsync(string table, string partition, string row, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(table, TableOperation.Delete(new DynamicTableEntity(partition, row) { ETag = "*" }), cancellationToken);
        }
        catch (NotFoundException)
        {
        }
    }

    /// <summary>Runs one batch transaction.</summary>
    public async Task ExecuteBatchAsync(string table, TableBatchOperation batch, CancellationToken cancellationToken)
    {
        var cloudTable = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            await cloudTable.ExecuteBatchAsync(batch, null, null, cancellationToken);
        }
        catch (StorageException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Upserts entities in as few transactions as the limits allow: one partition, 100 operations, about 2 MiB each.</summary>
    public async Task WriteAllAsync(string table, IEnumerable<DynamicTableEntity> entities, CancellationToken cancellationToken)
    {
        foreach (var partition in entities.GroupBy(e => e.PartitionKey))
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

    /// <summary>Deletes entities (by key) in batch transactions of 100.</summary>
    public async Task DeleteAllAsync(string table, IEnumerable<DynamicTableEntity> entities, CancellationToken cancellationToken)
    {
        foreach (var partition in entities.GroupBy(e => e.PartitionKey))
        {
            foreach (var group in partition.Chunk(MaxBatchOperations))
            {
                var batch = new TableBatchOperation();
                foreach (var entity in group)
                {
                    batch.Delete(new DynamicTableEntity(entity.PartitionKey, entity.RowKey) { ETag = "*" });
                }

                await ExecuteBatchAsync(table, batch, cancellationToken);
            }
        }
    }

    /// <summary>Runs a query to the end, page by page. Filters must come from <see cref="TableQuery"/>'s helpers.</summary>
    public async Task<List<DynamicTableEntity>> QueryAsync(string table, string filter, CancellationToken cancellationToken, IList<string>? select = null)
    {
        var cloudTable = await TableAsync(table);
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
                segment = await cloudTable.ExecuteQuerySegmentedAsync(query, token, null, null, cancellationToken);
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

    /// <summary>A filter on the partition key.</summary>
    public static string PartitionFilter(string partition) =>
        TableQuery.GenerateFilterCondition("PartitionKey", QueryComparisons.Equal, partition);

    /// <summary>A filter on a partition and a row-key prefix.</summary>
    public static string PrefixFilter(string partition, string rowPrefix) =>
        TableQuery.CombineFilters(
            PartitionFilter(partition),
            TableOperators.And,
            TableQuery.CombineFilters(
                TableQuery.GenerateFilterCondition("RowKey", QueryComparisons.GreaterThanOrEqual, rowPrefix),
                TableOperators.And,
                TableQuery.GenerateFilterCondition("RowKey", QueryComparisons.LessThan, rowPrefix + "~")));

    private static Exception Translate(StorageException ex) => ex.RequestInformation?.HttpStatusCode switch
    {
        (int)HttpStatusCode.PreconditionFailed => new ConcurrencyException("the record changed since it was read (stale ETag)", ex),
        (int)HttpStatusCode.Conflict => new ConcurrencyException("the record already exists", ex),
        (int)HttpStatusCode.NotFound => new NotFoundException("the record does not exist", ex),
        _ => ex,
    };
}
