using System.Globalization;
using System.IO.Compression;
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
/// Table <c>CohortMembers</c>, one partition a source: the users' states sorted by user id, encoded by
/// <see cref="MembershipCodec"/> and Deflate-compressed into chunks of at most 640 KiB (rows <c>g{generation}|{chunk}</c>),
/// and a <c>head</c> row naming the current generation. Applying writes a new generation and then moves the head, so a
/// reader sees one generation whole; the one before is kept for readers that started on it.
/// </summary>
public sealed class TableCohortWebhookStore : ICohortWebhookStore
{
    private const string MessagesTable = "CohortWebhooks";
    private const string MembersTable = "CohortMembers";
    private const string VersionRow = "version";
    private const string LeaseRow = "lease";
    private const string Pending = "pending";
    private const string Applied = "applied";
    private const string HeadRow = "head";

    // A page of chunks is at most 4 x 640 KiB of compressed states.
    private const int ChunksPerPage = 4;
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
            // A duplicate. Its piece rows were just rewritten: the same rows a pending original reads, or orphans once it
            // was applied, which go.
            if (pieces > 1 && (await _tables.RetrieveAsync(MessagesTable, sourceId, MessageRow(key), cancellationToken))?.GetString("State") == Applied)
            {
                for (var i = 1; i < pieces; i++)
                {
                    await _tables.DeleteAsync(MessagesTable, sourceId, PieceRow(key, i), cancellationToken);
                }
            }

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
    public async Task MarkAppliedAsync(string sourceId, IReadOnlyCollection<StoredCohortWebhook> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // Each row is replaced by its small properties alone: the body goes, the key stays (a later retry is a duplicate).
        var now = _time.GetUtcNow();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var rows = new List<TableEntity>(messages.Count);
        foreach (var message in messages)
        {
            var key = Hash(message.MessageId);
            if (keys.Add(key))
            {
                rows.Add(new TableEntity(sourceId, MessageRow(key))
                {
                    ["MessageId"] = message.MessageId,
                    ["ComputedTime"] = message.ComputedTime,
                    ["InCohort"] = message.InCohort,
                    ["Users"] = message.Users,
                    ["ReceivedAt"] = message.ReceivedAt,
                    ["State"] = Applied,
                    ["AppliedAt"] = now,
                });
            }
        }

        await _tables.WriteAllAsync(MessagesTable, rows, cancellationToken);
        var pieces = await _tables.QueryAsync(MessagesTable, TableGateway.PrefixFilter(sourceId, "p|"), cancellationToken, select: ["RowKey"]);
        await _tables.DeleteAllAsync(MessagesTable, pieces.Where(p => keys.Contains(p.RowKey.Split('|')[1])), cancellationToken);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<IReadOnlyList<CohortMemberEntry>> ReadStatesAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var head = await _tables.RetrieveAsync(MembersTable, sourceId, HeadRow, cancellationToken);
        if (head?.GetInt64("Generation") is not { } generation)
        {
            yield break;
        }

        var chunks = head.GetInt32("Chunks") ?? 0;
        var prefix = GenerationPrefix(generation);
        var read = 0;
        await foreach (var page in _tables.QueryPagesAsync(MembersTable, TableGateway.PrefixFilter(sourceId, prefix), ChunksPerPage, cancellationToken))
        {
            foreach (var row in page)
            {
                read++;
                yield return MembershipCodec.Decode(Decompress(BinaryProperties.Read(row, "D")));
            }
        }

        if (read != chunks)
        {
            throw new InvalidOperationException($"the membership of source '{sourceId}' has {read} of its {chunks} chunks; it was replaced while read, read it again");
        }
    }

    /// <inheritdoc/>
    public async Task ReplaceStatesAsync(string sourceId, IAsyncEnumerable<CohortMemberEntry> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        var head = await _tables.RetrieveAsync(MembersTable, sourceId, HeadRow, cancellationToken);
        var generation = (head?.GetInt64("Generation") ?? 0) + 1;
        var prefix = GenerationPrefix(generation);

        // A new generation of chunks beside the current one, written a few at a time; then the head points at it.
        var chunks = 0;
        long users = 0;
        var pending = new List<TableEntity>();
        var encoder = new MembershipCodec();
        async Task FlushAsync(bool all)
        {
            if (encoder.Count > 0 && (all || encoder.Full))
            {
                var row = new TableEntity(sourceId, prefix + chunks.ToString("D6", CultureInfo.InvariantCulture)) { ["Users"] = encoder.Count };
                BinaryProperties.Write(row, "D", Compress(encoder.Take()));
                pending.Add(row);
                chunks++;
            }

            if (pending.Count > 0 && (all || pending.Count >= ChunksPerPage))
            {
                await _tables.WriteAllAsync(MembersTable, pending, cancellationToken);
                pending.Clear();
            }
        }

        await foreach (var state in states.WithCancellation(cancellationToken))
        {
            encoder.Add(state);
            users++;
            await FlushAsync(all: false);
        }

        await FlushAsync(all: true);
        var next = new TableEntity(sourceId, HeadRow) { ["Generation"] = generation, ["Chunks"] = chunks, ["Users"] = users };
        if (head is null)
        {
            await _tables.AddAsync(MembersTable, next, cancellationToken);
        }
        else
        {
            await _tables.ReplaceAsync(MembersTable, next, TableGateway.ETagOf(head), cancellationToken);
        }

        // The generation before stays for readers that started on it; older ones go.
        var stale = TableClient.CreateQueryFilter($"PartitionKey eq {sourceId} and RowKey ge {"g"} and RowKey lt {GenerationPrefix(generation - 1)}");
        await _tables.DeleteAllAsync(MembersTable, await _tables.QueryAsync(MembersTable, stale, cancellationToken, select: ["RowKey"]), cancellationToken);
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

    private static string GenerationPrefix(long generation) => "g" + generation.ToString("D12", CultureInfo.InvariantCulture) + "|";

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
