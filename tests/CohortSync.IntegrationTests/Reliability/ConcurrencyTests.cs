using CohortSync.Core.Runs;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>
/// Concurrency trials. Twenty simultaneous manual starts make one run:
/// <c>Workflow.SyncRunTests.Start_TwentyConcurrentStartsOfOneSync_MakeOneRun</c>. Two syncs on one credential share its
/// limit: <see cref="SharedCredentialTests"/>. Here: the timer's tick racing a manual start.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrencyTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-race-")
{
    [Fact]
    public async Task TickAndManualStart_ReleasedTogetherTwentyTimes_MakeOneRunEachTime()
    {
        // Arrange: the receiver holds every request, so no run can finish (and free the sync) while the race is on.
        Sandbox.Webhook.Faults.HoldAfter(0);
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 10));
        var winners = new List<string>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                // A fresh store each time, so the tick sees one due sync: hourly, created now, due at once.
                await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), Sandbox);
                await host.CreateWebhookSyncAsync("race", cohort, cadence: "hourly");
                var now = DateTimeOffset.UtcNow.AddSeconds(1);
                using var barrier = new Barrier(2);

                // Act
                var tick = Task.Run(() =>
                {
                    barrier.SignalAndWait();
                    return host.Scheduler.TickAsync(now);
                });
                var manual = Task.Run(() =>
                {
                    barrier.SignalAndWait();
                    return host.Runs.StartAsync("race", RunMode.Incremental);
                });
                var ticked = await tick;
                var started = await manual;

                // Assert
                var runs = await host.Store.ListRunsAsync("race", 10);
                var run = Assert.Single(runs);
                Assert.Equal(1, ticked.Count + (started.Started ? 1 : 0));
                Assert.Equal(run.RunId, started.Run.RunId);
                winners.Add(run.Trigger);
                await host.StopAsync();
            }
        }
        finally
        {
            Sandbox.Webhook.Faults.Release();
        }

        Assert.Equal(20, winners.Count);
    }
}
