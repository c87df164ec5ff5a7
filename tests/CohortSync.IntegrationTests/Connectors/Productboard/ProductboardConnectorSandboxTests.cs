using System.Diagnostics;
using System.Net;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Productboard;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Productboard;

/// <summary>The Productboard connector through the real engine, over HTTP, against the Productboard sandbox.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProductboardConnectorSandboxTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-pb-")
{
    private const string SecretName = ProductboardRunKit.SecretName;

    // Tests that are not about the limit raise it on both sides, to stay fast.
    private const double Fast = 1000;
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    private ProductboardSandbox Productboard => Sandbox.Get<ProductboardSandbox>();

    [Fact]
    public async Task Run_ThreeRunsAndARename_CreateTheCohortCompanyOnceAndReuseIt()
    {
        // Arrange
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 20));
        await CreateSyncAsync(host, "s1", cohort, requestsPerSecond: Fast, cohortName: "Trial, no invite");

        // Act
        var first = await host.RunAsync("s1");
        WriteCohort(cohort, Enumerable.Range(5, 20));
        var second = await host.RunAsync("s1");
        var sync = (await host.Store.GetSyncAsync("s1"))!;
        await host.Store.SaveSyncAsync(sync.Value with { Source = sync.Value.Source with { CohortName = "Trial, never invited" } }, sync.ETag);
        var third = await host.RunAsync("s1");

        // Assert
        var company = Assert.Single(Productboard.Companies());
        Assert.Equal(1, Productboard.CompaniesCreated);
        Assert.Equal(company.Id, first.Plan!.ContainerId);
        Assert.Equal(company.Id, second.Plan!.ContainerId);
        Assert.Equal(company.Id, third.Plan!.ContainerId);
        Assert.Equal("[Amplitude] Trial, never invited", company.Name);
        Assert.Equal(ProductboardConnector.CompanyExternalIdPrefix + "s1", company.ExternalId);
        Assert.Equal(UserIds(Enumerable.Range(5, 20)), Productboard.Members(company.Id));
    }

    [Fact]
    public async Task Run_TenThousandAddedThenSomeRemovedThenSomeReAdded_MembershipEqualsTheCohort()
    {
        // Arrange: the real limit would take 200 s for 10,000 one-user requests, so this test raises both sides to 1,000/s.
        Productboard.RateLimit.PermitsPerSecond = 1000;
        Productboard.RateLimit.Burst = 50;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 10_000));
        await CreateSyncAsync(host, "s1", cohort, requestsPerSecond: 1000);

        // Act
        var added = await host.RunAsync("s1");
        var afterAdd = Productboard.Members(added.Plan!.ContainerId!);
        var remaining = Enumerable.Range(300, 9_700).ToList();
        WriteCohort(cohort, remaining);
        var removed = await host.RunAsync("s1");
        var afterRemove = Productboard.Members(added.Plan.ContainerId!);
        var final = Enumerable.Range(0, 100).Concat(remaining).ToList();
        WriteCohort(cohort, final);
        var readded = await host.RunAsync("s1");

        // Assert
        Assert.Equal((10_000, 0), (added.Outcome!.Accepted, added.Outcome.Rejected));
        Assert.Equal(UserIds(Enumerable.Range(0, 10_000)), afterAdd);
        Assert.Equal((300, 300), (removed.Plan!.Removes, removed.Outcome!.Accepted));
        Assert.Equal(UserIds(remaining), afterRemove);
        Assert.Equal((100, 100), (readded.Plan!.Adds, readded.Outcome!.Accepted));
        Assert.Equal(UserIds(final), Productboard.Members(added.Plan.ContainerId!));
        Assert.Equal(10_000, Productboard.UserCount);
        Assert.Equal(10_000, Productboard.UsersCreated);
        Assert.Equal(0, Productboard.LimitViolations);

        // Writes: 10,000 creates, 300 unlinks, 100 re-adds (a 409 and a PATCH each). Beside them, each of the three batches
        // that needed a lookup (two of removes, one of re-adds) read the user list at most once: 100 pages of 100 users.
        var lookups = Productboard.Requests - RequestsOutsideSends(3) - (10_000 + 300 + (100 * 2));
        Assert.InRange(lookups, 3, 3 * 100);
    }

    [Fact]
    public async Task Run_InvalidAndConflictingIdentifiers_AreRejectedWithReasonsAndCounted()
    {
        // Arrange: two members Prepare refuses; one whose email another Productboard user has (refused), and one Productboard
        // already knows under its user id with an older email (found and PATCHed: an email change is not a conflict).
        var longId = new string('x', 257);
        Productboard.SeedUser("taken@example.com", "crm-42", name: "Known from the CRM");
        Productboard.SeedUser("old@example.com", "user-moved");
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCsv(cohort, ["user_id", "email", "external_id"],
        [
            ["user-1", "one@example.com", null],
            ["user-2", "not-an-email", null],
            ["user-3", "three@example.com", longId],
            ["user-4", "taken@example.com", null],
            ["user-moved", "new@example.com", null],
            ["user-6", "six@example.com", "crm-6"],
        ]);
        await CreateSyncAsync(host, "s1", cohort, requestsPerSecond: Fast);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.CompletedWithRejections, run.Status);
        Assert.Equal(2, run.Plan!.Invalid);
        Assert.Equal(1, run.Plan.SkipReasons["productboard: email is not a valid address"]);
        Assert.Equal(1, run.Plan.SkipReasons["productboard: external id longer than 256 characters"]);
        Assert.Equal(1, run.Outcome!.Rejected);
        Assert.Equal(1, run.Outcome.RejectReasons[ProductboardResponses.EmailTakenReason]);
        Assert.Equal(2, Productboard.Conflicts);
        Assert.Equal("new@example.com", Productboard.FindByExternalId("user-moved")!.Email);
        var reasons = string.Join('|', run.Plan.SkipReasons.Keys.Concat(run.Outcome.RejectReasons.Keys));
        Assert.DoesNotContain("@", reasons, StringComparison.Ordinal);
        Assert.DoesNotContain("user-", reasons, StringComparison.Ordinal);
        Assert.Equal(new HashSet<string> { "user-1", "crm-6", "user-moved" }, Productboard.Members(run.Plan.ContainerId!));
        Assert.Equal(3, run.Outcome.BaselineAfter);
    }

    [Fact]
    public async Task Run_AtTheRealLimit_SendsNoFasterThanTheLimitAndCausesNoViolations()
    {
        // Arrange: the documented 50 requests a second on both sides (the connector's default); four sends of 100.
        Assert.Equal(50, Productboard.RateLimit.PermitsPerSecond);
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 400));
        await CreateSyncAsync(host, "s1", cohort, batchSize: 100);
        var clock = Stopwatch.StartNew();

        // Act
        var run = await host.RunAsync("s1");
        clock.Stop();

        // Assert
        Assert.Equal(400, run.Outcome!.Accepted);
        Assert.Equal(0, Productboard.LimitViolations);
        Assert.Equal(UserIds(Enumerable.Range(0, 400)), Productboard.Members(run.Plan!.ContainerId!));
        var sendRequests = Productboard.Requests - RequestsOutsideSends(1);
        Assert.Equal(400, sendRequests);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds((sendRequests - Productboard.RateLimit.Burst) / 50.0), $"{sendRequests} requests in {clock.Elapsed}");
    }

    [Fact]
    public async Task Run_KeyRotatedBetweenRuns_RecoversAfterOne401()
    {
        // Arrange
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 50));
        await CreateSyncAsync(host, "s1", cohort, requestsPerSecond: Fast);
        await host.RunAsync("s1");
        WriteCohort(cohort, Enumerable.Range(0, 60));

        // Act: Productboard now accepts only the new token; the secret store has it, the cache still holds the old one.
        Productboard.Token = "rotated-token";
        host.Configuration["Secrets:" + SecretName] = "rotated-token";
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Null(run.Error);
        Assert.Equal(1, Productboard.Unauthorized);
        Assert.Equal(UserIds(Enumerable.Range(0, 60)), Productboard.Members(run.Plan!.ContainerId!));
    }

    [Fact]
    public async Task Run_ServerErrorsThrottlingAndDroppedConnections_AreRetriedWithoutLossOrDuplicates()
    {
        // Arrange: 503s, a 429 with Retry-After, connections dropped before the request is served, and changes applied
        // whose answer is lost (the retry must not create a second user).
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 300));
        await CreateSyncAsync(host, "s1", cohort, batchSize: 100, requestsPerSecond: 500);
        Productboard.RateLimit.PermitsPerSecond = 500;
        Productboard.Faults.RetryAfterSeconds = 1;
        Productboard.Faults.FailNext(3, HttpStatusCode.ServiceUnavailable);
        Productboard.Faults.FailNext(1, HttpStatusCode.TooManyRequests);
        Productboard.Faults.DropRate = 0.02;
        Productboard.DropResponsesAfterApplying(5);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.True(run.Status == RunStatus.Completed && run.Error is null, $"{run.Status}: {run.Error}");
        Assert.Equal(300, run.Outcome!.Accepted);
        Assert.True(Productboard.Faults.Injected >= 4);
        Assert.Equal(UserIds(Enumerable.Range(0, 300)), Productboard.Members(run.Plan!.ContainerId!));
        Assert.Equal(300, Productboard.UserCount);
        Assert.Equal(300, Productboard.UsersCreated);
    }

    [Fact]
    public async Task Run_BatchFailsAfterSomeMembersLanded_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: one batch of 60 one-member requests; the first 20 land and Productboard refuses the later ones.
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 60));
        await CreateSyncAsync(host, "s1", cohort, batchSize: 60, requestsPerSecond: Fast);
        Productboard.Faults.FailAfter("/users", 20, HttpStatusCode.BadRequest);

        // Act: the failed run; then 5 members who landed and 5 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync("s1");
        var landed = Productboard.Members(failed.Plan!.ContainerId!);
        Productboard.Faults.Reset();
        var leavers = landed.Take(5).Concat(UserIds(Enumerable.Range(0, 60)).Except(landed).Take(5)).ToHashSet();
        var remaining = Enumerable.Range(0, 60).Where(i => !leavers.Contains($"user-{i}")).ToList();
        WriteCohort(cohort, remaining);
        var clean = await host.RunAsync("s1");

        // Assert
        Assert.Equal(20, landed.Count);
        Assert.Equal((20, 40, 1), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((20, 40), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(UserIds(remaining), Productboard.Members(clean.Plan!.ContainerId!));
        Assert.Equal((50, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }

    private static HashSet<string> UserIds(IEnumerable<int> ids) => ProductboardRunKit.UserIds(ids);

    // Container set-up per run: a GET of the stored company (every run after the first), or a search and a create (the first).
    private static int RequestsOutsideSends(int runs) => 2 + (runs - 1);

    private Task<EngineHarness> Harness() =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, secrets: new Dictionary<string, string> { [SecretName] = ProductboardSandbox.DefaultToken });

    private string Cohort(IEnumerable<int> ids)
    {
        var path = Path.Combine(Dir, "cohort.csv");
        WriteCohort(path, ids);
        return path;
    }

    private static void WriteCohort(string path, IEnumerable<int> ids) => ProductboardRunKit.WriteCohort(path, ids);

    private static Task CreateSyncAsync(EngineHarness host, string syncId, string cohortPath, int batchSize = 1000, double? requestsPerSecond = null, string? cohortName = null) =>
        ProductboardRunKit.CreateSyncAsync(host, syncId, cohortPath, batchSize, requestsPerSecond, cohortName);
}
