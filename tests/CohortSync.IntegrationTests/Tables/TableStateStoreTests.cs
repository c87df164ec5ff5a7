using CohortSync.Azure.Tables;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Options;

namespace CohortSync.IntegrationTests.Tables;

[Collection(AzuriteCollection.Name)]
public sealed class TableStateStoreTests(AzuriteFixture azurite)
{
    private readonly TableStateStore _store = new(new TableGateway(Options.Create(new TableStorageOptions
    {
        ConnectionString = azurite.ConnectionString,
        TablePrefix = AzuriteFixture.NewTablePrefix(),
    })));

    [Fact]
    public async Task SaveBatches_ThenGetAndOutcome_RoundTrips()
    {
        // Arrange
        var changes = Enumerable.Range(0, 500).Select(i => new SnapshotChange(i % 3 == 0 ? ChangeKind.Remove : ChangeKind.Add, SnapshotEntry.Create($"u::user-{i}", i % 2 == 0 ? "email=a@b.c" : null))).ToList();

        // Act
        await _store.SaveBatchesAsync("s1.20260101T000000.s", [new BatchRecord { RunId = "s1.20260101T000000.s", Number = 0, Changes = changes }]);
        var before = await _store.GetBatchAsync("s1.20260101T000000.s", 0);
        await _store.SaveBatchOutcomeAsync("s1.20260101T000000.s", new BatchOutcome { Number = 0, Accepted = 499, Rejections = [new MemberRejection(7, "bad")] });
        var after = await _store.GetBatchAsync("s1.20260101T000000.s", 0);

        // Assert
        Assert.NotNull(before);
        Assert.Null(before.Outcome);
        Assert.Equal(changes, before.Changes);
        Assert.Equal(changes, after!.Changes);
        Assert.Equal(499, after.Outcome!.Accepted);
        Assert.Equal("bad", Assert.Single(after.Outcome.Rejections).Reason);
        Assert.Equal(1, await _store.CountSettledBatchesAsync("s1.20260101T000000.s"));
    }

    [Fact]
    public async Task SaveBatchProgress_ThenOutcome_ProgressIsReadUntilTheBatchSettles()
    {
        // Arrange: a batch of 10,000 changes whose failed send had settled every other one.
        const string runId = "s1.20260101T000000.p";
        var changes = Enumerable.Range(0, 10_000).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::user-{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry))).ToList();
        await _store.SaveBatchesAsync(runId, [new BatchRecord { RunId = runId, Number = 0, Changes = changes }]);
        var progress = new BatchProgress { Number = 0, Settled = [.. Enumerable.Range(0, 5_000).Select(i => i * 2)], Rejections = [new MemberRejection(4, "bad")] };

        // Act
        await _store.SaveBatchProgressAsync(runId, progress);
        var partly = await _store.GetBatchAsync(runId, 0);
        await _store.SaveBatchOutcomeAsync(runId, new BatchOutcome { Number = 0, Accepted = 9_999, Rejections = [new MemberRejection(4, "bad")] });
        var settled = await _store.GetBatchAsync(runId, 0);

        // Assert
        Assert.Null(partly!.Outcome);
        Assert.Equal(progress.Settled, partly.Progress!.Settled);
        Assert.Equal(progress.Rejections, partly.Progress.Rejections);
        Assert.Equal(changes, partly.Changes);
        Assert.Null(settled!.Progress);
        Assert.Equal(9_999, settled.Outcome!.Accepted);
        Assert.Equal(1, await _store.CountSettledBatchesAsync(runId));
    }

    [Fact]
    public async Task LearnedRates_OfTheSyncStateTheBatchOutcomeAndThePlan_RoundTrip()
    {
        // Arrange
        const string runId = "s1.20260101T000000.s";
        await _store.SaveSyncStateAsync(new SyncState { SyncId = "s1", ContainerId = "list-1", LearnedRequestsPerSecond = 4.321 }, null);
        await _store.SaveSyncStateAsync(new SyncState { SyncId = "s2" }, null);
        await _store.SaveBatchesAsync(runId, [new BatchRecord { RunId = runId, Number = 0, Changes = [new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create("u::a", null))] }]);
        await _store.SaveBatchOutcomeAsync(runId, new BatchOutcome { Number = 0, Accepted = 1, RequestsPerSecond = 3.75 });
        await _store.SaveRunAsync(
            new CohortSync.Core.Runs.RunRecord { RunId = runId, SyncId = "s1", Trigger = "manual", Plan = new CohortSync.Core.Runs.RunPlan { LearnedRequestsPerSecond = 4.321 } }, null);

        // Act
        var learned = (await _store.GetSyncStateAsync("s1"))!.Value;
        var none = (await _store.GetSyncStateAsync("s2"))!.Value;
        var outcome = (await _store.GetBatchAsync(runId, 0))!.Outcome!;
        var plan = (await _store.GetRunAsync(runId))!.Value.Plan!;

        // Assert
        Assert.Equal((4.321, "list-1"), (learned.LearnedRequestsPerSecond, learned.ContainerId));
        Assert.Null(none.LearnedRequestsPerSecond);
        Assert.Equal(3.75, outcome.RequestsPerSecond);
        Assert.Equal(4.321, plan.LearnedRequestsPerSecond);
    }

    [Fact]
    public async Task SaveSyncState_WithStaleETag_ThrowsConcurrencyException()
    {
        // Arrange
        var etag = await _store.SaveSyncStateAsync(new SyncState { SyncId = "s1" }, null);
        await _store.SaveSyncStateAsync(new SyncState { SyncId = "s1", ActiveRunId = "s1.20260101T000000.s" }, etag);

        // Act / Assert
        await Assert.ThrowsAsync<ConcurrencyException>(() => _store.SaveSyncStateAsync(new SyncState { SyncId = "s1" }, etag));
        await Assert.ThrowsAsync<ConcurrencyException>(() => _store.SaveSyncStateAsync(new SyncState { SyncId = "s1" }, null));
        Assert.Equal("s1.20260101T000000.s", (await _store.GetSyncStateAsync("s1"))!.Value.ActiveRunId);
    }
}
