using System.Net;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Iterable;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>Whole runs through the Iterable connector under limits, faults, rotated and wrong keys, and batches failing partway.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IterableResilienceSyncTests(AzuriteFixture azurite) : IterableSyncTestBase(azurite)
{
    [Fact]
    public async Task Run_AtTheSandboxRateLimit_FinishesWithoutAViolation()
    {
        // Arrange: 80 requests at a limit of 50 a second, eight sends at once, the destination told the same limit. The
        // bucket holds 5 requests (100 ms at this rate), room for scheduling jitter on a busy machine and no more: eight
        // unpaced sends would go several times over it.
        Iterable.ListUpdates.PermitsPerSecond = 50;
        Iterable.ListUpdates.Burst = 5;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 4000));
        await host.CreateSyncAsync("s1", Destination(("requestsPerSecond", "50")), cohort, ByUserId, batchSize: 50);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 0), (run.Status, run.Outcome!.Failed));
        Assert.Equal(0, Iterable.Violations);
        Assert.Equal(80, Iterable.SubscribeRequests);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 4000)), Iterable.DefaultProject.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_KeyRotatedBehindTheCache_RecoversAfterOne401()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 100));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);
        await host.RunAsync("s1");
        Iterable.DefaultProject.ApiKey = "rotated-iterable-key";
        host.Configuration["Secrets:" + SecretName] = "rotated-iterable-key";
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 150));

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, null), (run.Status, run.Error));
        Assert.Equal(1, Iterable.Unauthorized);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 150)), Iterable.DefaultProject.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_ServerErrorsThrottlingAndDroppedConnections_AreRetriedWithoutLossOrDuplicates()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 3000));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, batchSize: 100);
        Iterable.Faults.RetryAfterSeconds = 1;
        Iterable.Faults.FailNext(1, HttpStatusCode.ServiceUnavailable);
        Iterable.Faults.FailNext(1, HttpStatusCode.InternalServerError);
        Iterable.Faults.FailNext(1, HttpStatusCode.TooManyRequests);
        Iterable.Faults.DropRate = 0.1;
        Iterable.Faults.ServerErrorRate = 0.05;

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, null, 0), (run.Status, run.Error, run.Outcome!.Failed));
        Assert.True(Iterable.Faults.Injected >= 5, $"only {Iterable.Faults.Injected} faults injected");
        var listId = ListId(run);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 3000)), Iterable.DefaultProject.Members(listId));
        Assert.All(Iterable.DefaultProject.Subscribes(listId).Values, n => Assert.Equal(1, n));
        Assert.Equal(3000, run.Outcome.BaselineAfter);
    }

    [Fact]
    public async Task Run_KeyOfTheOtherDataCenter_FailsWithAnAuthErrorUntilPointedAtItsOwn()
    {
        // Arrange
        var eu = Iterable.AddProject("eu", "eu-project-key", IterableDataCenter.EU);
        await using var host = await Harness(key: eu.ApiKey);
        var cohort = Cohort(Enumerable.Range(0, 10));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);
        await host.CreateSyncAsync("s2", Destination(dataCenter: "eu") with { Id = "iterable-eu" }, cohort, ByUserId);

        // Act
        var wrong = await host.RunAsync("s1");
        var right = await host.RunAsync("s2");

        // Assert
        Assert.Equal(RunStatus.Failed, wrong.Status);
        Assert.Contains("401", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(eu.ApiKey, wrong.Error, StringComparison.Ordinal);
        Assert.Equal(2, Iterable.Unauthorized);
        Assert.Equal(RunStatus.Completed, right.Status);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 10)), eu.Members(ListId(right)));
        Assert.Empty(Iterable.DefaultProject.Lists());
    }

    [Fact]
    public async Task Run_SendsFailAfterTheFirstRequestLanded_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: 3,000 members in batches of one 1,000-subscriber request; the first lands and Iterable refuses every later one.
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 3_000));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, batchSize: 3_000);
        Iterable.Faults.FailAfter("lists/subscribe", 1, HttpStatusCode.BadRequest);

        // Act: the failed run; then 100 members who landed and 100 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync("s1");
        var landed = Iterable.DefaultProject.Members(ListId(failed));
        Iterable.Faults.Reset();
        var all = EngineHarness.Keys(Enumerable.Range(0, 3_000));
        var leavers = landed.Take(100).Concat(all.Except(landed).Take(100)).ToHashSet();
        var remaining = Enumerable.Range(0, 3_000).Where(i => !leavers.Contains($"userId:user-{i}")).ToList();
        EngineHarness.WriteCohort(cohort, remaining);
        var clean = await host.RunAsync("s1");

        // Assert
        Assert.Equal(1_000, landed.Count);
        Assert.Equal((1_000, 2_000, failed.Plan!.BatchCount - 1), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((1_000, 2_000), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(EngineHarness.Keys(remaining), Iterable.DefaultProject.Members(ListId(clean)));
        Assert.Equal((2_800, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }
}
