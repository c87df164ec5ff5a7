using CohortSync.Azure.Tables;
using CohortSync.Core.Sources.Webhooks;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.IntegrationTests.Tables;

/// <summary>The webhook cohort store on Azurite: dedup and the version, bodies of any size, and membership generations.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableCohortWebhookStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private readonly TableGateway _tables = new(Options.Create(new TableStorageOptions
    {
        ConnectionString = azurite.ConnectionString,
        TablePrefix = AzuriteFixture.NewTablePrefix(),
    }));

    private TableCohortWebhookStore Store => new(_tables, new FakeTimeProvider(Now));

    [Fact]
    public async Task Accept_IncompressibleBodyOfSeveralRows_ComesBackWholeAndAppliedDropsIt()
    {
        // Arrange: 2 MiB of random bytes do not compress, so the body spans several rows.
        var body = new byte[2 * 1024 * 1024];
        new Random(7).NextBytes(body);
        var message = new StoredCohortWebhook("big::enter::0", 100, true, 1, Now, body);

        // Act
        var accepted = await Store.AcceptAsync("src", message, CancellationToken.None);
        var pending = await PendingAsync();
        await Store.MarkAppliedAsync("src", [message with { Body = ReadOnlyMemory<byte>.Empty }], CancellationToken.None);

        // Assert
        Assert.True(accepted);
        Assert.Equal(body, Assert.Single(pending).Body.ToArray());
        Assert.Empty(await PendingAsync());
        Assert.False(await Store.AcceptAsync("src", message, CancellationToken.None));
        Assert.Empty(await _tables.QueryAsync("CohortWebhooks", TableGateway.PrefixFilter("src", "p|"), CancellationToken.None));
    }

    [Fact]
    public async Task Accept_Duplicate_ChangesNeitherThePendingMessagesNorTheVersion()
    {
        // Arrange
        var message = new StoredCohortWebhook("m::enter::0", 100, true, 1, Now, "{}"u8.ToArray());
        Assert.Null(await Store.GetVersionAsync("src", CancellationToken.None));
        Assert.True(await Store.AcceptAsync("src", message, CancellationToken.None));
        var version = await Store.GetVersionAsync("src", CancellationToken.None);

        // Act
        var again = await Store.AcceptAsync("src", message with { ReceivedAt = Now.AddMinutes(1) }, CancellationToken.None);

        // Assert
        Assert.False(again);
        Assert.NotNull(version);
        Assert.Equal(version, await Store.GetVersionAsync("src", CancellationToken.None));
        Assert.Single(await PendingAsync());
    }

    [Fact]
    public async Task ReplaceStates_ManyChunks_ReadBackSortedAndOldGenerationsGo()
    {
        // Arrange: 150,000 users with ids that do not compress much, so the membership spans several chunks.
        var random = new Random(11);
        var users = Enumerable.Range(0, 150_000).Select(i => $"{Guid.NewGuid():N}/#?%{i}").Order(StringComparer.Ordinal).ToList();
        var states = users.Select((u, i) => new CohortMemberEntry(u, new CohortMemberState(i % 3 != 0, random.NextInt64(1, 1L << 40)))).ToList();

        // Act: three generations.
        await Store.ReplaceStatesAsync("src", Stream(states.Take(10)), CancellationToken.None);
        await Store.ReplaceStatesAsync("src", Stream(states.Take(20)), CancellationToken.None);
        await Store.ReplaceStatesAsync("src", Stream(states), CancellationToken.None);
        var read = new List<CohortMemberEntry>();
        var pages = 0;
        await foreach (var page in Store.ReadStatesAsync("src", CancellationToken.None))
        {
            read.AddRange(page);
            pages++;
        }

        // Assert
        Assert.Equal(states, read);
        Assert.True(pages > 1, "the membership should span several chunks");
        var rows = await _tables.QueryAsync("CohortMembers", TableGateway.PartitionFilter("src"), CancellationToken.None, select: ["RowKey"]);
        Assert.DoesNotContain(rows, r => r.RowKey.StartsWith("g000000000001|", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.RowKey.StartsWith("g000000000002|", StringComparison.Ordinal));
    }

    private static async IAsyncEnumerable<CohortMemberEntry> Stream(IEnumerable<CohortMemberEntry> states)
    {
        foreach (var state in states)
        {
            await Task.CompletedTask;
            yield return state;
        }
    }

    private async Task<List<StoredCohortWebhook>> PendingAsync()
    {
        var pending = new List<StoredCohortWebhook>();
        await foreach (var message in Store.ReadPendingAsync("src", CancellationToken.None))
        {
            pending.Add(message);
        }

        return pending;
    }
}
