using Azure;
using Azure.Data.Tables;
using CohortSync.Azure.Tables;
using CohortSync.Core.Errors;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Options;

namespace CohortSync.IntegrationTests.Tables;

/// <summary>The table client's contract as the stores rely on it, on Azurite: ETags, batch limits, property sizes, filters.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableGatewayTests(AzuriteFixture azurite)
{
    private const string Table = "Gateway";
    private const int Kib64 = 64 * 1024;

    private readonly TableGateway _tables = new(Options.Create(new TableStorageOptions
    {
        ConnectionString = azurite.ConnectionString,
        TablePrefix = AzuriteFixture.NewTablePrefix(),
    }));

    [Fact]
    public async Task ReplaceAsync_WithTheETagTheLastWriteReturned_SucceedsAndTheStaleOneIsAConcurrencyException()
    {
        // Arrange
        var first = await _tables.AddAsync(Table, new TableEntity("p", "r") { ["V"] = 1 }, CancellationToken.None);
        var second = await _tables.ReplaceAsync(Table, new TableEntity("p", "r") { ["V"] = 2 }, first, CancellationToken.None);

        // Act
        var third = await _tables.ReplaceAsync(Table, new TableEntity("p", "r") { ["V"] = 3 }, second, CancellationToken.None);
        var stale = await Assert.ThrowsAsync<ConcurrencyException>(
            () => _tables.ReplaceAsync(Table, new TableEntity("p", "r") { ["V"] = 4 }, second, CancellationToken.None));

        // Assert
        Assert.Equal(412, Assert.IsType<RequestFailedException>(stale.InnerException).Status);
        var stored = await _tables.RetrieveAsync(Table, "p", "r", CancellationToken.None);
        Assert.Equal(3, stored!.GetInt32("V"));
        Assert.Equal(third, TableGateway.ETagOf(stored));
        Assert.NotEqual(second, third);
    }

    [Fact]
    public async Task AddAsync_EntityAlreadyThere_IsAConcurrencyExceptionAndLeavesIt()
    {
        // Arrange
        await _tables.AddAsync(Table, new TableEntity("p", "dup") { ["V"] = "first" }, CancellationToken.None);

        // Act
        var ex = await Assert.ThrowsAsync<ConcurrencyException>(
            () => _tables.AddAsync(Table, new TableEntity("p", "dup") { ["V"] = "second" }, CancellationToken.None));

        // Assert
        Assert.Equal(409, Assert.IsType<RequestFailedException>(ex.InnerException).Status);
        Assert.Equal("first", (await _tables.RetrieveAsync(Table, "p", "dup", CancellationToken.None))!.GetString("V"));
    }

    [Fact]
    public async Task UpsertAndMerge_ReplaceOrAddProperties()
    {
        // Arrange
        await _tables.UpsertAsync(Table, new TableEntity("p", "u") { ["A"] = 1, ["B"] = 1 }, CancellationToken.None);

        // Act
        await _tables.UpsertAsync(Table, new TableEntity("p", "u") { ["A"] = 2 }, CancellationToken.None);
        await _tables.MergeExistingAsync(Table, new TableEntity("p", "u") { ["C"] = 3 }, CancellationToken.None);

        // Assert: the replace dropped B, the merge kept A
        var stored = (await _tables.RetrieveAsync(Table, "p", "u", CancellationToken.None))!;
        Assert.Equal(2, stored.GetInt32("A"));
        Assert.False(stored.ContainsKey("B"));
        Assert.Equal(3, stored.GetInt32("C"));
        await Assert.ThrowsAsync<NotFoundException>(
            () => _tables.MergeExistingAsync(Table, new TableEntity("p", "missing") { ["C"] = 3 }, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAllAsync_250SmallEntities_ThreeBatchTransactions()
    {
        // Arrange
        await _tables.TableAsync(Table);
        var entities = Enumerable.Range(0, 250).Select(i => new TableEntity("many", $"{i:D4}") { ["V"] = i }).ToList();
        var before = _tables.Transactions;

        // Act
        await _tables.WriteAllAsync(Table, entities, CancellationToken.None);

        // Assert: 100 + 100 + 50, then the read back is one page
        Assert.Equal(3, _tables.Transactions - before);
        var stored = await _tables.QueryAsync(Table, TableGateway.PartitionFilter("many"), CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 250), stored.Select(e => e.GetInt32("V")!.Value).Order());
        Assert.Equal(4, _tables.Transactions - before);
    }

    [Fact]
    public async Task WriteAllAsync_FourChunkEntitiesOf640KiB_PacksThreeToATransactionAndReadsThemBack()
    {
        // Arrange: ten full 64 KiB properties each, the most a chunk entity carries
        await _tables.TableAsync(Table);
        var data = Enumerable.Range(0, 4).Select(i => Bytes(10 * Kib64, seed: i)).ToList();
        var entities = data.Select((d, i) =>
        {
            var entity = new TableEntity("chunks", $"{i:D2}");
            for (var p = 0; p < 10; p++)
            {
                entity["D" + p] = d.AsSpan(p * Kib64, Kib64).ToArray();
            }

            return entity;
        });
        var before = _tables.Transactions;

        // Act
        await _tables.WriteAllAsync(Table, entities, CancellationToken.None);

        // Assert: 2 MiB a transaction is three chunks (3 + 1)
        Assert.Equal(2, _tables.Transactions - before);
        var stored = (await _tables.QueryAsync(Table, TableGateway.PartitionFilter("chunks"), CancellationToken.None))
            .OrderBy(e => e.RowKey, StringComparer.Ordinal)
            .Select(e => Enumerable.Range(0, 10).SelectMany(p => e.GetBinary("D" + p)!).ToArray())
            .ToList();
        Assert.Equal(data, stored);
    }

    [Fact]
    public async Task SubmitAsync_OneFailingActionAmongAHundred_WritesNothing()
    {
        // Arrange
        await _tables.AddAsync(Table, new TableEntity("tx", "050") { ["V"] = "kept" }, CancellationToken.None);
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("tx", $"{i:D3}") { ["V"] = "new" }))
            .ToList();

        // Act
        await Assert.ThrowsAsync<ConcurrencyException>(() => _tables.SubmitAsync(Table, actions, CancellationToken.None));

        // Assert
        var stored = Assert.Single(await _tables.QueryAsync(Table, TableGateway.PartitionFilter("tx"), CancellationToken.None));
        Assert.Equal("kept", stored.GetString("V"));
    }

    [Fact]
    public async Task UpsertAsync_BinaryPropertyOf64KiB_RoundTripsAndOneByteMoreIsRefused()
    {
        // Arrange
        var fits = Bytes(Kib64, seed: 1);
        var tooBig = Bytes(Kib64 + 1, seed: 2);

        // Act
        await _tables.UpsertAsync(Table, new TableEntity("bin", "fits") { ["D0"] = fits }, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<RequestFailedException>(
            () => _tables.UpsertAsync(Table, new TableEntity("bin", "big") { ["D0"] = tooBig }, CancellationToken.None));

        // Assert
        Assert.Equal(400, refused.Status);
        Assert.Equal(fits, (await _tables.RetrieveAsync(Table, "bin", "fits", CancellationToken.None))!.GetBinary("D0"));
        Assert.Null(await _tables.RetrieveAsync(Table, "bin", "big", CancellationToken.None));
    }

    [Fact]
    public async Task PrefixFilter_KeysWithQuotes_MatchOnlyThatPartitionAndPrefix()
    {
        // Arrange: a quote in a key must not end the literal (the filter helper escapes it)
        await _tables.WriteAllAsync(
            Table,
            [
                new TableEntity("o'brien", "f|a"), new TableEntity("o'brien", "f|b"), new TableEntity("o'brien", "g|a"),
                new TableEntity("o", "f|a"),
            ],
            CancellationToken.None);

        // Act
        var found = await _tables.QueryAsync(Table, TableGateway.PrefixFilter("o'brien", "f|"), CancellationToken.None, select: ["RowKey"]);

        // Assert: the projection still carries the partition key, which deletes by key need
        Assert.Equal(["f|a", "f|b"], found.Select(e => e.RowKey).Order(StringComparer.Ordinal));
        Assert.All(found, e => Assert.Equal("o'brien", e.PartitionKey));
        await _tables.DeleteAllAsync(Table, found, CancellationToken.None);
        Assert.Equal(["g|a"], (await _tables.QueryAsync(Table, TableGateway.PartitionFilter("o'brien"), CancellationToken.None)).Select(e => e.RowKey));
    }

    [Fact]
    public async Task DeleteAsync_EntityNotThere_IsDone()
    {
        // Arrange
        await _tables.UpsertAsync(Table, new TableEntity("del", "r"), CancellationToken.None);

        // Act
        await _tables.DeleteAsync(Table, "del", "r", CancellationToken.None);
        await _tables.DeleteAsync(Table, "del", "r", CancellationToken.None);

        // Assert
        Assert.Null(await _tables.RetrieveAsync(Table, "del", "r", CancellationToken.None));
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
