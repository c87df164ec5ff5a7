using CohortSync.Core.Runs;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>
/// Whole Pushwoosh runs: a small incremental change lands (through bulkSetTags, as setTags needs an
/// hwid), skipped and unknown users are rejected with their reasons, and the user-id identifier works end to end.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PushwooshSmallChangeTests(AzuriteFixture azurite) : PushwooshRunTestBase(azurite)
{
    [Fact]
    public async Task Run_TenChanges_LandThroughOneBulkRequestAndNoSetTags()
    {
        // Arrange
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 210));
        var cohort = WriteCohort(Emails(0, 200));
        await CreateSyncAsync(host, "s1", cohort);
        await host.RunAsync("s1");
        var bulkJobs = Pushwoosh.BulkJobs;
        WriteCohort(Emails(7, 196), cohort);

        // Act: 7 leave and 3 enter.
        var run = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal((RunStatus.Completed, 10, 0), (run.Status, run.Outcome!.Accepted, run.Outcome.Rejected));
        Assert.Equal((bulkJobs + 1, 1, 0), (Pushwoosh.BulkJobs, Pushwoosh.SmallBulkRequests, Pushwoosh.RequestsTo("setTags")));
        Assert.Equal(Emails(7, 196).ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Equal(196, run.Outcome.BaselineAfter);
    }

    [Fact]
    public async Task Run_SkippedAndUnknownUsers_AreCountedRejectedWithTheirReasons()
    {
        // Arrange: 100 registered users of whom Pushwoosh skips 3, and 2 addresses it does not know.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 100));
        Pushwoosh.SkipUsers(Emails(10, 3), "user_blocked");
        var cohort = WriteCohort(Emails(0, 100).Concat(["stranger1@example.com", "stranger2@example.com"]));
        await CreateSyncAsync(host, "s1", cohort);

        // Act
        var run = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal(RunStatus.CompletedWithRejections, run.Status);
        Assert.Equal((97, 5), (run.Outcome!.Accepted, run.Outcome.Rejected));
        Assert.Equal(3, run.Outcome.RejectReasons["pushwoosh: skipped: user blocked"]);
        Assert.Equal(2, run.Outcome.RejectReasons["pushwoosh: user not found"]);
        Assert.Equal(97, run.Outcome.BaselineAfter);
        Assert.Equal(Emails(0, 100).Except(Emails(10, 3)).ToHashSet(), Pushwoosh.Members(Cohort));
    }

    [Fact]
    public async Task Run_UserIdIdentifier_TagsUsersByTheirUserIdThroughAddsAndRemoves()
    {
        // Arrange: Pushwoosh knows the users by their user ids (the external id the app set), not by email.
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 70).Select(UserIdOf));
        var cohort = WriteCohort(Emails(0, 60));
        await CreateSyncAsync(host, "s1", cohort, identifier: "userId");

        // Act
        var first = await host.RunAsync("s1");
        WriteCohort(Emails(5, 65), cohort);
        var second = await host.RunAsync("s1");
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal((RunStatus.Completed, 60), (first.Status, first.Outcome!.Accepted));
        Assert.Equal((RunStatus.Completed, 15, 0), (second.Status, second.Outcome!.Accepted, second.Outcome.Rejected));
        Assert.Equal(Emails(5, 65).Select(UserIdOf).ToHashSet(), Pushwoosh.Members(Cohort));
        Assert.Contains(first.Plan!.Notes, n => n.Contains("identified by user id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_SandboxRefusingBulkRequestsUnderFifty_FailsLoudlyInsteadOfCountingMembersRejected()
    {
        // Arrange: if Pushwoosh did refuse fewer than 50 devices (undocumented), a small change must not pass for refusals.
        Pushwoosh.MinBulkDevices = 50;
        await using var host = await Harness();
        Pushwoosh.AddUsers(Emails(0, 10));
        await CreateSyncAsync(host, "s1", WriteCohort(Emails(0, 10)));

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal((0, 0, 10), (run.Outcome!.Accepted, run.Outcome.Rejected, run.Outcome.Failed));
        Assert.Equal(0, run.Outcome.BaselineAfter);
    }
}
