using CohortSync.Core.Runs;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Workflow;

/// <summary>
/// The every-minute tick on Azurite, counting table transactions: a sync whose cohort did not change costs the tick's
/// queries and one write of its state, and starts no run; a changed cohort or an edited sync starts one.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SchedulerTickTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-tick-")
{
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    [Fact]
    public async Task Tick_EveryMinuteSyncWhoseCohortDidNotChange_CostsAtMostFiveTransactionsAndStartsNoRun()
    {
        // Arrange: the first slot runs and brings the webhook in step with the cohort.
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox);
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 500));
        await host.CreateWebhookSyncAsync("s1", cohort, cadence: "minute");
        var now = DateTimeOffset.UtcNow.AddSeconds(1);
        var first = Assert.Single(await host.Scheduler.TickAsync(now));
        await host.Engine.WaitAsync(first.RunId).WaitAsync(TimeSpan.FromMinutes(1));
        var requests = Sandbox.Webhook.Requests;
        var before = host.Tables.Transactions;

        // Act: the next minute's tick.
        var second = await host.Scheduler.TickAsync(now.AddMinutes(1));
        var transactions = host.Tables.Transactions - before;

        // Assert
        Assert.Empty(second);
        Assert.InRange(transactions, 1, 5);
        Assert.Equal(requests, Sandbox.Webhook.Requests);
        Assert.Single(await host.Store.ListRunsAsync("s1", 10));
        var state = (await host.Store.GetSyncStateAsync("s1"))!.Value;
        Assert.Null(state.ActiveRunId);
        Assert.Equal(first.RunId, state.LastRunId);
        Assert.NotNull(state.LastCheck);
        Assert.Equal(state.LastScheduledSlot, state.LastCheck.Slot);
        Assert.Contains("unchanged", state.LastCheck.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tick_CohortChangedAfterAnUnchangedSlot_StartsARunThatSendsTheChange()
    {
        // Arrange
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox);
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 500));
        await host.CreateWebhookSyncAsync("s1", cohort, cadence: "minute");
        var now = DateTimeOffset.UtcNow.AddSeconds(1);
        await host.Engine.WaitAsync(Assert.Single(await host.Scheduler.TickAsync(now)).RunId).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(await host.Scheduler.TickAsync(now.AddMinutes(1)));

        // Act
        EngineHarness.WriteCohort(cohort, Enumerable.Range(10, 500));
        var started = Assert.Single(await host.Scheduler.TickAsync(now.AddMinutes(2)));
        await host.Engine.WaitAsync(started.RunId).WaitAsync(TimeSpan.FromMinutes(1));
        var run = (await host.Store.GetRunAsync(started.RunId))!.Value;

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal((10, 10), (run.Plan!.Adds, run.Plan.Removes));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(10, 500)), Sandbox.Webhook.Members("s1"));
        Assert.Empty(await host.Scheduler.TickAsync(now.AddMinutes(3)));
    }

    [Fact]
    public async Task Tick_SyncEditedButCohortUnchanged_StartsARun()
    {
        // Arrange
        await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox);
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 50));
        await host.CreateWebhookSyncAsync("s1", cohort, cadence: "minute");
        var now = DateTimeOffset.UtcNow.AddSeconds(1);
        await host.Engine.WaitAsync(Assert.Single(await host.Scheduler.TickAsync(now)).RunId).WaitAsync(TimeSpan.FromMinutes(1));

        // Act
        var sync = (await host.Store.GetSyncAsync("s1"))!;
        await host.Store.SaveSyncAsync(sync.Value with { Carry = [] }, sync.ETag);
        var started = await host.Scheduler.TickAsync(now.AddMinutes(1));

        // Assert
        var run = Assert.Single(started);
        await host.Engine.WaitAsync(run.RunId).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(RunStatus.Completed, (await host.Store.GetRunAsync(run.RunId))!.Value.Status);
    }
}
