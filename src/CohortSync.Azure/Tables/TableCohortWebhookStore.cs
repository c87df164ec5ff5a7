using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using CohortSync.Core.Errors;
using CohortSync.Core.Sources.Webhooks;

namespace CohortSync.Azure.Tables;

/// <summary>
/// Webhook cohorts on Table Storage. Table <c>CohortWebhooks</c>, one partition a source: a row a message (<c>m|</c> and
/// the SHA-256 of its id, so a retry collides with it), holding the body Deflate-compressed until it is applied and its
/// keys for ever after; a <c>version</c> row rewritten in the same transaction as each new message; a <c>lease</c> row.
/// Table <c>CohortMembers</c>: a row a user (row key: the user id, escaped), spread over 16 partitions a source
/// (<c>{sourceId}|0</c>..<c>|f</c>), holding in-or-out and the computation that said so. Unlike snapshots, membership is a
/// row per user: each message changes a few users among millions, and a row is what can be changed alone.
/// </summary>
public sealed class TableCohortWebhookStore : ICohortWebhookStore
{
    private const string MessagesTable = "CohortWebhooks";
    private const string MembersTable = "CohortMembers";
    private const string VersionRow = "version";
    private const string LeaseRow = "lease";
    private const string Pending = "pending";
    private const string Applied = "applied";
    private const int Buckets = 16;
    private const int PointReadLimit = 256;
    private const int Parallel = 8;
    private const int BodyBytesPerRow = BinaryProperties.PropertyBytes * BinaryProperties.MaxProperties;
    private readonly TableGateway _tables;
    private readonly TimeProvider _time;

    /// <summary>Creates the store.</summary>
    public TableCohortWebhookStore(TableGateway tables, TimeProvider time)
    {
        _tables = tables;
        _time = time;
    }

    /// <inheritdoc/>
    public async Task<bool> AcceptAsync(string sourceId, StoredCohortWebhook message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var key = Hash(message.MessageId);
        var body = Compress(message.Body.Span);

        // A body that does not fit one row goes first into piece rows (rewritten alike by a retry); the message row and
        // the version, in one transaction, are what makes it accepted.
        var pieces = (body.Length + BodyBytesPerRow - 1) / BodyBytesPerRow;
        for (var i = 1; i < pieces; i++)
        {
            var piece = new TableEntity(sourceId, PieceRow(key, i));
            BinaryProperties.Write(piece, "D", body.AsSpan(i * BodyBytesPerRow, Math.Min(BodyBytesPerRow, body.Length - (i * BodyBytesPerRow))).ToArray());
            await _tables.UpsertAsync(MessagesTable, piece, cancellationToken);
        }

        var row = new TableEntity(sourceId, MessageRow(key))
        {
            ["MessageId"] = message.MessageId,
            ["ComputedTime"] = message.ComputedTime,
            ["InCohort"] = message.InCohort,
            ["Users"] = message.Users,
            ["ReceivedAt"] = message.ReceivedAt,
            ["State"] = Pending,
            ["Pieces"] = Math.Max(1, pieces),
        };
        BinaryProperties.Write(row, "D", pieces <= 1 ? body : body.AsSpan(0, BodyBytesPerRow).ToArray());
        var version = new TableEntity(sourceId, VersionRow)
        {
            ["Value"] = message.ReceivedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + key[..16],
        };
        try
        {
            await _tables.SubmitAsync(
                MessagesTable,
                [new TableTransactionAction(TableTransactionActionType.Add, row), new TableTransactionAction(TableTransactionActionType.UpsertReplace, version)],
                cancellationToken);
            return true;
        }
        catch (ConcurrencyException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<StoredCohortWebhook> ReadPendingAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sourceId} and RowKey ge {"m|"} and RowKey lt {"m|~"} and State eq {Pending}");
        await foreach (var page in _tables.QueryPagesAsync(MessagesTable, filter, 50, cancellationToken))
        {
            foreach (var row in page)
            {
                var body = BinaryProperties.Read(row, "D");
                var pieces = row.GetInt32("Pieces") ?? 1;
                if (pieces > 1)
                {
                    using var all = new MemoryStream();
                    all.Write(body);
                    var key = row.RowKey[2..];
                    for (var i = 1; i < pieces; i++)
                    {
                        var piece = await _tables.RetrieveAsync(MessagesTable, sourceId, PieceRow(key, i), cancellationToken)
                            ?? throw new InvalidOperationException($"a piece of a stored message of source '{sourceId}' is missing");
                        all.Write(BinaryProperties.Read(piece, "D"));
                    }

                    body = all.ToArray();
                }

                yield return new StoredCohortWebhook(
                    row.GetString("MessageId"),
                    row.GetInt64("ComputedTime") ?? 0,
                    row.GetBoolean("InCohort") ?? false,
                    row.GetInt32("Users") ?? 0,
                    row.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue,
                    Decompress(body));
            }
        }
    }

    /// <inheritdoc/>
    public async Task MarkAppliedAsync(string sourceId, IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        var keys = messageIds.Select(Hash).ToHashSet(StringComparer.Ordinal);
        // Replacing each row with its small properties drops the body and keeps the key, so a later retry is still a duplicate.
        foreach (var chunk in keys.Chunk(100))
        {
            var rows = await Task.WhenAll(chunk.Select(key => _tables.RetrieveAsync(MessagesTable, sourceId, MessageRow(key), cancellationToken)));
            var slim = rows.OfType<TableEntity>().Select(row =>
            {
                var keep = new TableEntity(row.PartitionKey, row.RowKey);
                keep["State"] = Applied;
                keep["AppliedAt"] = _time.GetUtcNow();
                foreach (var name in (string[])["MessageId", "ComputedTime", "InCohort", "Users", "ReceivedAt"])
                {
                    if (row.TryGetValue(name, out var value))
                    {
                        keep[name] = value;
                    }
                }

                return new TableTransactionAction(TableTransactionActionType.UpsertReplace, keep);
            }).ToList();
            if (slim.Count > 0)
            {
                await _tables.SubmitAsync(MessagesTable, slim, cancellationToken);
            }
        }

        var pieces = await _tables.QueryAsync(MessagesTable, TableGateway.PrefixFilter(sourceId, "p|"), cancellationToken, select: ["RowKey"]);
        await _tables.DeleteAllAsync(MessagesTable, pieces.Where(p => keys.Contains(p.RowKey.Split('|')[1])), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, CohortMemberState>> ReadStatesAsync(string sourceId, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var states = new Dictionary<string, CohortMemberState>(StringComparer.Ordinal);
        if (userIds.Count == 0)
        {
            return states;
        }

        if (userIds.Count <= PointReadLimit)
        {
            // A few users: a point read each, a few at a time.
            using var gate = new SemaphoreSlim(Parallel);
            var reads = userIds.Select(async user =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    return (user, row: await _tables.RetrieveAsync(MembersTable, MemberPartition(sourceId, user), EscapeRow(user), cancellationToken));
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            foreach (var (user, row) in await Task.WhenAll(reads))
            {
                if (row is not null)
                {
                    states[user] = StateOf(row);
                }
            }

            return states;
        }

        // Many users: one pass over the source's rows (cheaper than a point read each once they are more than a few).
        var wanted = userIds as ICollection<string> ?? userIds.ToHashSet(StringComparer.Ordinal);
        await foreach (var page in _tables.QueryPagesAsync(MembersTable, SourceFilter(sourceId, inCohortOnly: false), 1000, cancellationToken))
        {
            foreach (var row in page)
            {
                var user = UnescapeRow(row.RowKey);
                if (wanted.Contains(user))
                {
                    states[user] = StateOf(row);
                }
            }
        }

        return states;
    }

    /// <inheritdoc/>
    public async Task WriteStatesAsync(string sourceId, IReadOnlyCollection<KeyValuePair<string, CohortMemberState>> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        var byBucket = new List<KeyValuePair<string, CohortMemberState>>[Buckets];
        foreach (var state in states)
        {
            (byBucket[Bucket(state.Key)] ??= []).Add(state);
        }

        // Batches of 100 in one partition; a few partitions at a time. Entities are made a batch at a time.
        var batches = byBucket
            .Select((list, bucket) => (list, bucket))
            .Where(b => b.list is not null)
            .SelectMany(b => b.list.Chunk(100).Select(chunk => (chunk, partition: Partition(sourceId, b.bucket))));
        await System.Threading.Tasks.Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = cancellationToken },
            async (batch, token) =>
            {
                var actions = batch.chunk.Select(s => new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace,
                    new TableEntity(batch.partition, EscapeRow(s.Key)) { ["In"] = s.Value.InCohort, ["T"] = s.Value.ComputedTime })).ToList();
                await _tables.SubmitAsync(MembersTable, actions, token);
            });
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<IReadOnlyList<string>> ReadMembersAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in _tables.QueryPagesAsync(MembersTable, SourceFilter(sourceId, inCohortOnly: true), 1000, cancellationToken))
        {
            var users = new string[page.Count];
            for (var i = 0; i < users.Length; i++)
            {
                users[i] = UnescapeRow(page[i].RowKey);
            }

            yield return users;
        }
    }

    /// <inheritdoc/>
    public async Task<string?> GetVersionAsync(string sourceId, CancellationToken cancellationToken) =>
        (await _tables.RetrieveAsync(MessagesTable, sourceId, VersionRow, cancellationToken))?.GetString("Value");

    /// <inheritdoc/>
    public async Task<bool> TryLeaseAsync(string sourceId, string owner, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var lease = new TableEntity(sourceId, LeaseRow) { ["Owner"] = owner, ["Until"] = until };
        var current = await _tables.RetrieveAsync(MessagesTable, sourceId, LeaseRow, cancellationToken);
        try
        {
            if (current is null)
            {
                await _tables.AddAsync(MessagesTable, lease, cancellationToken);
                return true;
            }

            if (current.GetString("Owner") != owner && current.GetDateTimeOffset("Until") is { } held && held > _time.GetUtcNow())
            {
                return false;
            }

            await _tables.ReplaceAsync(MessagesTable, lease, TableGateway.ETagOf(current), cancellationToken);
            return true;
        }
        catch (ConcurrencyException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async Task ReleaseLeaseAsync(string sourceId, string owner, CancellationToken cancellationToken)
    {
        var current = await _tables.RetrieveAsync(MessagesTable, sourceId, LeaseRow, cancellationToken);
        if (current?.GetString("Owner") == owner)
        {
            await _tables.DeleteAsync(MessagesTable, sourceId, LeaseRow, cancellationToken);
        }
    }

    /// <summary>
    /// A user id as a row key: the characters a row key may not hold (<c>/ \ # ?</c>, control characters) and <c>%</c>
    /// itself become <c>%XX</c>; other ids are unchanged.
    /// </summary>
    internal static string EscapeRow(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!userId.Any(NeedsEscape))
        {
            return userId;
        }

        var escaped = new StringBuilder(userId.Length + 8);
        foreach (var c in userId)
        {
            if (NeedsEscape(c))
            {
                escaped.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>The user id a row key holds.</summary>
    internal static string UnescapeRow(string row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!row.Contains('%', StringComparison.Ordinal))
        {
            return row;
        }

        var user = new StringBuilder(row.Length);
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] == '%' && i + 2 < row.Length && int.TryParse(row.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                user.Append((char)code);
                i += 2;
            }
            else
            {
                user.Append(row[i]);
            }
        }

        return user.ToString();
    }

    private static bool NeedsEscape(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);

    private static CohortMemberState StateOf(TableEntity row) => new(row.GetBoolean("In") ?? false, row.GetInt64("T") ?? 0);

    private static string SourceFilter(string sourceId, bool inCohortOnly) => inCohortOnly
        ? TableClient.CreateQueryFilter($"PartitionKey ge {sourceId + "|"} and PartitionKey lt {sourceId + "|~"} and In eq {true}")
        : TableClient.CreateQueryFilter($"PartitionKey ge {sourceId + "|"} and PartitionKey lt {sourceId + "|~"}");

    private static int Bucket(string userId) => (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(userId)) % Buckets);

    private static string Partition(string sourceId, int bucket) => sourceId + "|" + bucket.ToString("x", CultureInfo.InvariantCulture);

    private static string MemberPartition(string sourceId, string userId) => Partition(sourceId, Bucket(userId));

    private static string Hash(string messageId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)));

    private static string MessageRow(string key) => "m|" + key;

    private static string PieceRow(string key, int piece) => "p|" + key + "|" + piece.ToString(CultureInfo.InvariantCulture);

    private static byte[] Compress(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream(body.Length / 4 + 64);
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(body);
        }

        return output.ToArray();
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var input = new MemoryStream(compressed);
        using var deflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream(compressed.Length * 4);
        deflate.CopyTo(output);
        return output.ToArray();
    }
}
