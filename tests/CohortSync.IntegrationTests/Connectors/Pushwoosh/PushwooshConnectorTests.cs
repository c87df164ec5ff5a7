using System.Net;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Pushwoosh;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>Whole runs on Azurite with the Pushwoosh connector talking real HTTP to the Pushwoosh sandbox.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PushwooshConnectorTests(AzuriteFixture azurite) : PushwooshRunTestBase(azurite)
{
    [Fact]
    public async Task Run_TwoRuns_CreateTheListTagOnceAndReuseTheContainer()
    {
        // Arrange
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 100));
        var cohort = WriteCohort(Emails(0, 100));
        await CreateSyncAsync(host, "s1", cohort);

        // Act
        var first = await host.RunAsync("s1");
        WriteCohort(Emails(0, 120), cohort);
        Pushwoosh.AddUsers(Emails(100, 20));
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, RunStatus.Completed), (first.Status, second.Status));
        Assert.Equal(Cohort, first.Plan!.ContainerId);
        Assert.Equal(Cohort, second.Plan!.ContainerId);
        Assert.Equal(1, Pushwoosh.RequestsTo("addTag"));
        Assert.Equal(2, Pushwoosh.RequestsTo("listTags"));
        Assert.Equal(3, Pushwoosh.TagType(PushwooshSandbox.DefaultTag));
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal(Emails(0, 120).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_TenThousandAddedThenSomeRemovedAndReAdded_MembershipEqualsTheCohort()
    {
        // Arrange
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 10_000));
        var cohort = WriteCohort(Emails(0, 10_000));
        await CreateSyncAsync(host, "s1", cohort);

        // Act / Assert: everyone, then 300 leave, then 200 of them come back.
        var first = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal((RunStatus.Completed, 10_000, 0), (first.Status, first.Outcome!.Accepted, first.Outcome.Rejected));
        Assert.Equal(Emails(0, 10_000).ToHashSet(), Pushwoosh.Members(Cohort));

        WriteCohort(Emails(300, 9_700), cohort);
        var second = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal((RunStatus.Completed, 300, 300), (second.Status, second.Plan!.Removes, second.Outcome!.Accepted));
        Assert.Equal(Emails(300, 9_700).ToHashSet(), Pushwoosh.Members(Cohort));

        WriteCohort(Emails(100, 9_900), cohort);
        var third = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal((RunStatus.Completed, 200, 200), (third.Status, third.Plan!.Adds, third.Outcome!.Accepted));
        Assert.Equal(Emails(100, 9_900).ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Equal(9_900, third.Outcome.BaselineAfter);
        Assert.Equal(0, Pushwoosh.SmallBulkRejected);
        Assert.Equal(0, Pushwoosh.TooLarge);
    }

    [Fact]
    public async Task Run_InvalidAndUnknownEmails_AreRejectedWithReasonsAndCounted()
    {
        // Arrange: 100 registered users, 3 malformed addresses, 2 well-formed ones Pushwoosh does not know.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 100));
        string[] invalid = ["not-an-email", "two@@example.com", "spaced out@example.com"];
        string[] unknown = ["stranger1@example.com", "stranger2@example.com"];
        var cohort = WriteCohort(Emails(0, 100).Concat(invalid).Concat(unknown));
        await CreateSyncAsync(host, "s1", cohort);

        // Act
        var run = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal(RunStatus.CompletedWithRejections, run.Status);
        Assert.Equal(3, run.Plan!.Invalid);
        Assert.Equal(2, run.Plan.SkipReasons["invalid email: needs exactly one '@'"]);
        Assert.Equal(1, run.Plan.SkipReasons["invalid email: contains spaces or control characters"]);
        Assert.Equal((100, 2), (run.Outcome!.Accepted, run.Outcome.Rejected));
        Assert.Equal(2, run.Outcome.RejectReasons["pushwoosh: user not found"]);
        Assert.DoesNotContain(run.Plan.SkipReasons.Keys.Concat(run.Outcome.RejectReasons.Keys), r => r.Contains("example.com", StringComparison.Ordinal));
        Assert.Equal(100, run.Outcome.BaselineAfter);
        Assert.Equal(Emails(0, 100).ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Contains(run.Plan.Notes, n => n.Contains("never creates users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_RemoveOfAUserPushwooshNoLongerKnows_IsAcceptedNotRejected()
    {
        // Arrange
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 200));
        var cohort = WriteCohort(Emails(0, 200));
        await CreateSyncAsync(host, "s1", cohort);
        await host.RunAsync("s1");
        Pushwoosh.RemoveUsers(Emails(0, 60));
        WriteCohort(Emails(60, 140), cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 60, 0), (run.Status, run.Outcome!.Accepted, run.Outcome.Rejected));
        Assert.Equal(140, run.Outcome.BaselineAfter);
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal(Emails(60, 140).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_RateLimitedSandbox_FinishesWithoutLimitViolations()
    {
        // Arrange: the sandbox allows 50 requests a second per token, and the destination is told so.
        Pushwoosh.RateLimiter.PermitsPerSecond = 50;
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 3_000));
        var cohort = WriteCohort(Emails(0, 3_000));
        await CreateSyncAsync(host, "s1", cohort, batchSize: 100, requestsPerSecond: 50);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 3_000, 0), (run.Status, run.Outcome!.Accepted, run.Outcome.Failed));
        Assert.Equal(0, Pushwoosh.RateLimitViolations);
        Assert.True(Pushwoosh.Requests >= 62, "30 bulk requests, their status reads and the tag set-up went through the limit");
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal(Emails(0, 3_000).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_ServerTokenRotated_RecoversAfterOne401()
    {
        // Arrange: a first run caches the token; then it is rotated in Pushwoosh and in the secret store.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 200));
        var cohort = WriteCohort(Emails(0, 100));
        await CreateSyncAsync(host, "s1", cohort);
        await host.RunAsync("s1");
        Pushwoosh.RotateToken(PushwooshSandbox.DefaultServerToken, "rotated-server-token");
        host.Configuration["Secrets:" + ServerSecret] = "rotated-server-token";
        WriteCohort(Emails(0, 200), cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 100), (run.Status, run.Outcome!.Accepted));
        Assert.Null(run.Error);
        Assert.Equal(1, Pushwoosh.AuthFailures);
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal(Emails(0, 200).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_DroppedConnectionsAndServerErrors_AreRetriedWithoutLossOrDuplicates()
    {
        // Arrange: the sends of the first run and the status reads of the second each meet a dropped connection and a 503.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 2_000));
        var cohort = WriteCohort(Emails(0, 2_000));
        await CreateSyncAsync(host, "s1", cohort, batchSize: 500);
        Pushwoosh.FaultRoutes = new HashSet<string>(["bulkSetTags"]);
        Pushwoosh.DropNext(1);
        Pushwoosh.Faults.FailNext(1, HttpStatusCode.ServiceUnavailable);

        // Act
        var first = await host.RunAsync("s1");
        Pushwoosh.FaultRoutes = new HashSet<string>(["bulkSetTagsStatus"]);
        Pushwoosh.DropNext(1);
        Pushwoosh.Faults.FailNext(1, HttpStatusCode.InternalServerError);
        WriteCohort(Emails(0, 1_700), cohort);
        var second = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal((RunStatus.Completed, 2_000, 0), (first.Status, first.Outcome!.Accepted, first.Outcome.Failed));
        Assert.Equal((RunStatus.Completed, 300, 0), (second.Status, second.Outcome!.Accepted, second.Outcome.Failed));
        Assert.Equal((2, 2), (Pushwoosh.Dropped, Pushwoosh.Faults.Injected));
        Assert.Equal(Emails(0, 1_700).ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Equal(2_000, Pushwoosh.Appends.Count);
        Assert.All(Pushwoosh.Appends.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Run_BulkJobFailsAsAWhole_IsSentAgainAndLands()
    {
        // Arrange
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 300));
        var cohort = WriteCohort(Emails(0, 300));
        await CreateSyncAsync(host, "s1", cohort);
        Pushwoosh.FailNextJobs(1);

        // Act
        var run = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal((RunStatus.Completed, 300, 0), (run.Status, run.Outcome!.Accepted, run.Outcome.Failed));
        Assert.Equal(2, Pushwoosh.BulkJobs);
        Assert.Equal(Emails(0, 300).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_BatchFailsAfterItsFirstBulkRequestLanded_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: one batch of three bulkSetTags requests of 100 devices; the first lands and Pushwoosh refuses the later ones.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 300));
        await CreateSyncAsync(host, "s1", WriteCohort(Emails(0, 300)), batchSize: 300, maxDevicesPerRequest: 100);
        Pushwoosh.Faults.FailAfter("audience/bulkSetTags", 1, HttpStatusCode.BadRequest);

        // Act: the failed run; then 20 members who landed and 20 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();
        var landed = Pushwoosh.Members(Cohort);
        Pushwoosh.Faults.Reset();
        var leavers = landed.Take(20).Concat(Emails(0, 300).Except(landed).Take(20)).ToHashSet();
        var remaining = Emails(0, 300).Where(e => !leavers.Contains(e)).ToList();
        WriteCohort(remaining);
        var clean = await host.RunAsync("s1");

        // Assert
        await Pushwoosh.WhenIdleAsync();
        Assert.Equal(100, landed.Count);
        Assert.Equal((100, 200, 1), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((100, 200), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(remaining.ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Equal((260, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }
}
