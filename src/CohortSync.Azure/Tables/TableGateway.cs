using System.Collections.Concurrent;
using System.Net;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using CohortSync.Core.Errors;
using Microsoft.Extensions.Options;

namespace CohortSync.Azure.Tables;

/// <summary>
/// The one place that calls the table client (Azure.Data.Tables): creates tables on first use, counts transactions, packs
/// writes into as few batch transactions as the limits allow, pages queries, and translates storage errors (412 and 409
/// to <see cref="ConcurrencyException"/>, 404 to <see cref="NotFoundException"/>). Writes return the entity's new ETag
/// from the response: the client does not write it back into the entity.
/// </summary>
public sealed class TableGateway
{
    // A batch transaction holds at most 100 operations (the client refuses the 101st) and 4 MiB; binary properties travel
    // as base64, so 2 MiB of them is under 2.7 MiB on the wire. Azurite refuses five 640 KiB entities in one batch (413).
    private const int MaxBatchOperations = 100;
    private const int MaxBatchBytes = 2 * 1024 * 1024;

    // What a non-binary property is counted as when packing a batch by size: a short string or a number, with its name.
    private const int OtherPropertyBytes = 64;

    private readonly TableServiceClient _client;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.Ordinal);
    private long _transactions;

    /// <summary>
    /// Creates the gateway from the options: a connection string (Azurite, local), or the table endpoint with
    /// <paramref name="credential"/> (by default <see cref="DefaultAzureCredential"/>, the app's managed identity in Azure).
    /// </summary>
    public TableGateway(IOptions<TableStorageOptions> options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        if (o.ConnectionProblem() is { } problem)
        {
            throw new OptionsValidationException(TableStorageOptions.Section, typeof(TableStorageOptions), [problem]);
        }

        _client = o.UsesIdentity
            ? new TableServiceClient(o.TableEndpoint!, credential ?? new DefaultAzureCredential())
            : new TableServiceClient(o.ConnectionString);
        _prefix = o.TablePrefix;
    }

    /// <summary>Every storage request made so far (for benchmarks and cost reports).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>The service's URI (no credentials in it): which account the gateway reaches.</summary>
    public Uri Endpoint => _client.Uri;

    /// <summary>A table by name (prefixed), created if it does not exist.</summary>
    public Task<TableClient> TableAsync(string name) =>
        _tables.GetOrAdd(name, n => new Lazy<Task<TableClient>>(async () =>
        {
            var table = _client.GetTableClient(_prefix + n);
            Interlocked.Increment(ref _transactions);
            try
            {
                await table.CreateIfNotExistsAsync();
            }
            catch (RequestFailedException ex)
            {
                throw Translate(ex);
            }

            return table;
        })).Value;

    /// <summary>Inserts an entity that must not exist yet (409, a <see cref="ConcurrencyException"/>, if it does); returns its ETag.</summary>
    public Task<string> AddAsync(string table, ITableEntity entity, CancellationToken cancellationToken) =>
        WriteAsync(table, (t, ct) => t.AddEntityAsync(entity, ct), cancellationToken);

    /// <summary>
    /// Replaces an entity whose ETag must still be <paramref name="etag"/> (412, a <see cref="ConcurrencyException"/>, if
    /// it changed; 404 if it is gone); returns the new ETag.
    /// </summary>
    public Task<string> ReplaceAsync(string table, ITableEntity entity, string etag, CancellationToken cancellationToken) =>
        WriteAsync(table, (t, ct) => t.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, ct), cancellationToken);

    /// <summary>Merges properties into an entity that must exist, whatever its ETag; returns the new ETag.</summary>
    public Task<string> MergeExistingAsync(string table, ITableEntity entity, CancellationToken cancellationToken) =>
        WriteAsync(table, (t, ct) => t.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, ct), cancellationToken);

    /// <summary>Inserts or replaces an entity, whatever is there; returns the new ETag.</summary>
    public Task<string> UpsertAsync(string table, ITableEntity entity, CancellationToken cancellationToken) =>
        WriteAsync(table, (t, ct) => t.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct), cancellationToken);

    /// <summary>Reads one entity, or null.</summary>
    public async Task<TableEntity?> RetrieveAsync(string table, string partition, string row, CancellationToken cancellationToken)
    {
        var client = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            var response = await client.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            return response.HasValue ? response.Value : null;
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Deletes one entity; deleting what is not there is done.</summary>
    public async Task DeleteAsync(string table, string partition, string row, CancellationToken cancellationToken)
    {
        var client = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            await client.DeleteEntityAsync(partition, row, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Runs one batch transaction: every action in one partition, at most 100; all of them or none are applied.</summary>
    public async Task SubmitAsync(string table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var client = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            await client.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Upserts entities in as few transactions as the limits allow: one partition, 100 operations, about 2 MiB each.</summary>
    public async Task WriteAllAsync(string table, IEnumerable<TableEntity> entities, CancellationToken cancellationToken)
    {
        foreach (var partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            var batch = new List<TableTransactionAction>(MaxBatchOperations);
            var bytes = 0;
            foreach (var entity in partition)
            {
                var size = EstimateBytes(entity);
                if (batch.Count > 0 && (batch.Count == MaxBatchOperations || bytes + size > MaxBatchBytes))
                {
                    await SubmitAsync(table, batch, cancellationToken);
                    batch = new List<TableTransactionAction>(MaxBatchOperations);
                    bytes = 0;
                }

                batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
                bytes += size;
            }

            if (batch.Count > 0)
            {
                await SubmitAsync(table, batch, cancellationToken);
            }
        }
    }

    /// <summary>Deletes entities (by key, whatever their ETag) in batch transactions of 100.</summary>
    public async Task DeleteAllAsync(string table, IEnumerable<TableEntity> entities, CancellationToken cancellationToken)
    {
        foreach (var partition in entities.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var group in partition.Chunk(MaxBatchOperations))
            {
                var batch = group
                    .Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(e.PartitionKey, e.RowKey), ETag.All))
                    .ToList();
                await SubmitAsync(table, batch, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Runs a query to the end, page by page (one transaction a page). Filters must come from
    /// <see cref="TableClient.CreateQueryFilter(FormattableString)"/>. A projection always keeps the keys.
    /// </summary>
    public async Task<List<TableEntity>> QueryAsync(string table, string filter, CancellationToken cancellationToken, IReadOnlyList<string>? select = null)
    {
        var client = await TableAsync(table);
        var columns = select?.Union(["PartitionKey", "RowKey"], StringComparer.Ordinal).ToList();
        var results = new List<TableEntity>();
        try
        {
            await foreach (var page in client.QueryAsync<TableEntity>(filter, select: columns, cancellationToken: cancellationToken).AsPages())
            {
                Interlocked.Increment(ref _transactions);
                results.AddRange(page.Values);
            }
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex);
        }

        return results;
    }

    /// <summary>
    /// Queries a table a page at a time (each page one transaction), so a large result is never held as one response:
    /// the caller keeps what it needs of a page and lets the page go.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<TableEntity>> QueryPagesAsync(
        string table, string filter, int maxPerPage, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = await TableAsync(table);
        var pages = client.QueryAsync<TableEntity>(filter, maxPerPage, cancellationToken: cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pages.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (RequestFailedException ex)
                {
                    throw Translate(ex);
                }

                Interlocked.Increment(ref _transactions);
                yield return pages.Current.Values;
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }

    /// <summary>A filter on the partition key.</summary>
    public static string PartitionFilter(string partition) => TableClient.CreateQueryFilter($"PartitionKey eq {partition}");

    /// <summary>A filter on a partition and a row-key prefix.</summary>
    public static string PrefixFilter(string partition, string rowPrefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {rowPrefix} and RowKey lt {rowPrefix + "~"}");

    /// <summary>The string form of an entity's ETag, as Core's <c>Versioned</c> carries it.</summary>
    public static string ETagOf(ITableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.ETag.ToString();
    }

    private static int EstimateBytes(TableEntity entity) =>
        entity.Sum(p => p.Value switch
        {
            byte[] bytes => bytes.Length,
            BinaryData data => data.ToMemory().Length,
            _ => OtherPropertyBytes,
        });

    private async Task<string> WriteAsync(string table, Func<TableClient, CancellationToken, Task<Response>> write, CancellationToken cancellationToken)
    {
        var client = await TableAsync(table);
        Interlocked.Increment(ref _transactions);
        try
        {
            var response = await write(client, cancellationToken);
            return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("the table service returned no ETag");
        }
        catch (RequestFailedException ex)
        {
            throw Translate(ex);
        }
    }

    private static Exception Translate(RequestFailedException ex) => ex.Status switch
    {
        (int)HttpStatusCode.PreconditionFailed => new ConcurrencyException("the record changed since it was read (stale ETag)", ex),
        (int)HttpStatusCode.Conflict => new ConcurrencyException("the record already exists", ex),
        (int)HttpStatusCode.NotFound => new NotFoundException("the record does not exist", ex),
        _ => ex,
    };
}
