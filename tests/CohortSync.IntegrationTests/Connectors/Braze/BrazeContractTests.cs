using System.Globalization;
using System.Net;
using CohortSync.Connectors.Braze;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Braze;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Braze;

/// <summary>
/// Whole runs through the engine on Azurite, the Braze connector talking real HTTP to the Braze sandbox, which enforces
/// the partner cohort-import contract (https://braze.com/docs/partners/isv_partners/cohort_import): destinations in <c>partnerCohort</c> mode.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BrazeContractTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-braze-")
{
    private const string SyncId = "s1";
    private const string DataImportKeyName = "braze-dik";
    private const string CohortId = BrazeConnector.CohortIdPrefix + SyncId;
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();
    private BrazeSandbox _braze = null!;
    private BrazeWorkspace _workspace = null!;

    protected override Task StartedAsync()
    {
        _braze = Sandbox.Get<BrazeSandbox>();
        _braze.RateLimit.PermitsPerSecond = 200;
        _braze.RateLimit.Burst = 20;
        _workspace = _braze.AddWorkspace("US-03", "dik-1");
        return Task.CompletedTask;
    }

    protected override Task StoppingAsync()
    {
        _braze.Faults.Release();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Run_TwoRuns_CreateTheCohortOnceAndReuseIt()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 200));
        var cohort = Cohort(Enumerable.Range(0, 100));
        await CreateSyncAsync(host, cohort);

        // Act
        var first = await host.RunAsync(SyncId);
        EngineHarness.WriteCohort(cohort, Enumerable.Range(50, 100));
        var second = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal((RunStatus.Completed, RunStatus.Completed), (first.Status, second.Status));
        Assert.Equal((CohortId, CohortId), (first.Plan!.ContainerId, second.Plan!.ContainerId));
        var created = Assert.Single(_workspace.Cohorts);
        Assert.Equal((CohortId, "Cohort s1", 1, 1, 0), (created.Id, created.Name, created.Creates, created.NameCalls, created.Renames));
        Assert.True(DateTimeOffset.TryParse(created.CreatedAt, CultureInfo.InvariantCulture, out _));
        Assert.Equal(Users(50, 100), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_TenThousandAddedThenSomeRemovedAndReadded_MembershipEqualsTheCohort()
    {
        // Arrange: every member exists in Braze already, as Braze requires.
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 10_000));
        var cohort = Cohort(Enumerable.Range(0, 10_000));
        await CreateSyncAsync(host, cohort);
        var afterRemovals = Enumerable.Range(300, 9_700).ToList();
        var afterReadds = afterRemovals.Concat(Enumerable.Range(0, 120)).ToList();

        // Act
        var added = await host.RunAsync(SyncId);
        var membersAfterAdds = _workspace.Members(CohortId);
        EngineHarness.WriteCohort(cohort, afterRemovals);
        var removed = await host.RunAsync(SyncId);
        var membersAfterRemovals = _workspace.Members(CohortId);
        EngineHarness.WriteCohort(cohort, afterReadds);
        var readded = await host.RunAsync(SyncId);

        // Assert
        Assert.All(new[] { added, removed, readded }, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.Equal((10_000, 10_000), (added.Plan!.Adds, added.Outcome!.Accepted));
        Assert.Equal((0, 300), (removed.Plan!.Adds, removed.Plan.Removes));
        Assert.Equal((120, 0), (readded.Plan!.Adds, readded.Plan.Removes));
        Assert.Equal(Users(0, 10_000), membersAfterAdds);
        Assert.Equal(Users(300, 9_700), membersAfterRemovals);
        Assert.Equal(afterReadds.Select(i => $"user-{i}").ToHashSet(), _workspace.Members(CohortId));
        Assert.Equal(10_000, _workspace.ProfileCount);
        Assert.Equal(0, _braze.RateLimitViolations);
    }

    [Fact]
    public async Task Run_UnknownUsers_AreIgnoredNotCreatedAndTheReportSaysSo()
    {
        // Arrange: 50 of the 80 members exist in Braze.
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 50));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 80)));

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(80, run.Outcome!.Accepted);
        Assert.Contains("Braze adds only users who already exist; unknown ids are ignored silently and counted as accepted by Braze.", run.Plan!.Notes);
        Assert.Equal(50, _workspace.ProfileCount);
        Assert.Equal(30, _workspace.IgnoredIdentifiers);
        Assert.Equal(Users(0, 50), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_ChainOfExternalIdAliasAndDeviceId_MatchesAsBrazeDoes()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUser("user-1", deviceIds: ["dev-1"]);
        _workspace.AddIdentifiedUser("user-2", aliases: [new BrazeAlias("two@example.com", "amplitude")]);
        _workspace.AddAnonymousUser(["anon-3"]);
        _workspace.AddIdentifiedUser("user-4", deviceIds: ["dev-4"]);
        _workspace.AddAnonymousUser([], [new BrazeAlias("five@example.com", "amplitude")]);
        var cohort = Path.Combine(Dir, "chain.csv");
        EngineHarness.WriteCsv(cohort, ["user_id", "email", "device_id"],
        [
            ["user-1", "one@example.com", "dev-1"],
            [null, "two@example.com", null],
            [null, null, "anon-3"],
            [null, null, "dev-4"],
            [null, "five@example.com", null],
            ["user-6", null, null],
        ]);
        await host.CreateSyncAsync(
            SyncId,
            Destination(),
            cohort,
            [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("email", KeyKind.Alias, "amplitude"), new IdentifierMapping("device_id", KeyKind.DeviceId)]);

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert: a device id of an identified profile (dev-4) and an unknown external id (user-6) are ignored.
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(6, run.Outcome!.Accepted);
        Assert.Equal(
            new HashSet<string> { "user-1", "user-2", "device:anon-3", "alias:amplitude:five@example.com" },
            _workspace.Members(CohortId));
        Assert.Equal(2, _workspace.IgnoredIdentifiers);
    }

    [Fact]
    public async Task Run_IdentifiersBrazeCannotTake_AreRejectedWithTheirReasonAndNeverSent()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 100));
        var tooLong = Enumerable.Range(0, 3).Select(i => $"long-{i}-" + new string('x', 5_000)).ToList();
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 100), tooLong));

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3, run.Plan!.Invalid);
        Assert.Equal(3, run.Plan.SkipReasons[BrazeIdentifierRules.TooLong]);
        Assert.Equal(100, run.Outcome!.Accepted);
        Assert.Equal(0, _workspace.IgnoredIdentifiers);
        Assert.Equal(Users(0, 100), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_DestinationPacedAtTheSandboxLimit_FinishesWithoutALimitViolation()
    {
        // Arrange: about 60 requests of 1,000, up to four sends at once, against 40 a second. The client's limiter lets two
        // requests leave back to back after an idle spell; a bucket of 5 leaves room for that and a little network jitter,
        // and is still far stricter than Braze's hourly window.
        await using var host = await Harness();
        _braze.RateLimit.PermitsPerSecond = 40;
        _braze.RateLimit.Burst = 5;
        _workspace.AddIdentifiedUsers(Users(0, 60_000));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 60_000)), requestsPerSecond: 40, batchSize: 10_000);

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(run.Plan!.BatchCount >= 6);
        Assert.Equal(0, _braze.RateLimitViolations);
        Assert.Equal(_braze.Requests, _braze.Accepted);
        Assert.Equal(Users(0, 60_000), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_SandboxLimitBelowWhatTheDestinationClaims_RecoversFrom429sByXRateLimitReset()
    {
        // Arrange: the destination claims 200 rps; the sandbox allows 20.
        await using var host = await Harness();
        _braze.RateLimit.PermitsPerSecond = 20;
        _braze.RateLimit.Burst = 2;
        _workspace.AddIdentifiedUsers(Users(0, 1_000));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 1_000)), requestsPerSecond: 200, batchSize: 100);

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal((1_000, 0), (run.Outcome!.Accepted, run.Outcome.Failed));
        Assert.True(_braze.RateLimitViolations > 0);
        Assert.Equal(Users(0, 1_000), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_DataImportKeyRotated_RecoversAfterOne401()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 300));
        var cohort = Cohort(Enumerable.Range(0, 100));
        await CreateSyncAsync(host, cohort);
        await host.RunAsync(SyncId);

        // Act: the customer regenerates the key; the host's cache still holds the old one.
        _workspace.ClientSecret = "dik-2";
        host.Configuration["Secrets:" + DataImportKeyName] = "dik-2";
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 300));
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1, _braze.AuthFailures);
        Assert.Equal(Users(0, 300), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_PartnerKeyRotated_RecoversWithoutARestart()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 100));
        var cohort = Cohort(Enumerable.Range(0, 50));
        await CreateSyncAsync(host, cohort);
        await host.RunAsync(SyncId);

        // Act
        _braze.UsPartnerKey = "partner-us-2";
        host.Configuration["Secrets:braze-partner-key-us"] = "partner-us-2";
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 100));
        var run = await host.RunAsync(SyncId);

        // Assert: the first 401 re-reads the Data Import Key (unchanged), the second the partner key.
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, _braze.AuthFailures);
        Assert.Equal(Users(0, 100), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_EuCluster_SendsTheEuPartnerKey()
    {
        // Arrange
        await using var host = await Harness();
        var eu = _braze.AddWorkspace("EU-01", "dik-eu");
        eu.AddIdentifiedUsers(Users(0, 20));
        host.Configuration["Secrets:" + DataImportKeyName] = "dik-eu";
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 20)), cluster: "EU-01");

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(0, _braze.AuthFailures);
        Assert.Equal(Users(0, 20), eu.Members(CohortId));
    }

    [Fact]
    public async Task Run_WorkspaceWithoutThePartnerEnabled_FailsWithoutRevealingTheKey()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.PartnerEnabled = false;
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 10)));

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("Partner not enabled for client", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("dik-1", run.Error, StringComparison.Ordinal);
        Assert.Empty(_workspace.Cohorts);
    }

    [Fact]
    public async Task Run_ServerErrorsLocksAndDroppedConnections_AreRetriedWithoutLossOrDuplicates()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 5_000));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 5_000)), batchSize: 500);
        _braze.Faults.FailNext(2, HttpStatusCode.ServiceUnavailable);
        _braze.Faults.FailNext(1, HttpStatusCode.Locked);
        _braze.Faults.FailNext(1, HttpStatusCode.InternalServerError);
        _braze.Faults.DropRate = 0.2;

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Null(run.Error);
        Assert.Equal((5_000, 0), (run.Outcome!.Accepted, run.Outcome.Failed));
        Assert.True(_braze.Faults.Injected >= 5);
        Assert.Equal(Users(0, 5_000), _workspace.Members(CohortId));
        Assert.All(_workspace.AddDeliveries(CohortId).Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Run_CohortRenamed_RenamesTheSameBrazeCohort()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 10));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 10)));
        await host.RunAsync(SyncId);
        var sync = (await host.Store.GetSyncAsync(SyncId))!;
        await host.Store.SaveSyncAsync(sync.Value with { Source = sync.Value.Source with { CohortName = "Trial, no invite" } }, sync.ETag);

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        var cohort = Assert.Single(_workspace.Cohorts);
        Assert.Equal((CohortId, "Trial, no invite", 1, 1), (cohort.Id, cohort.Name, cohort.Creates, cohort.Renames));
    }

    [Fact]
    public async Task Run_BrazeInMaintenance_QueuedAnswersAreAccepted()
    {
        // Arrange
        await using var host = await Harness();
        _braze.Queued = true;
        _workspace.AddIdentifiedUsers(Users(0, 30));
        await CreateSyncAsync(host, Cohort(Enumerable.Range(0, 30)));

        // Act
        var run = await host.RunAsync(SyncId);

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(30, run.Outcome!.Accepted);
        Assert.Equal(Users(0, 30), _workspace.Members(CohortId));
    }

    [Fact]
    public async Task Run_BatchFailsAfterItsFirstRequestLanded_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: one batch of three 1,000-id requests; the first lands and Braze refuses the later ones.
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 3_000));
        var cohort = Cohort(Enumerable.Range(0, 3_000));
        await CreateSyncAsync(host, cohort, batchSize: 3_000);
        _braze.Faults.FailAfter("cohorts/users", 1, HttpStatusCode.BadRequest);

        // Act: the failed run; then 100 members who landed and 100 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync(SyncId);
        var landed = _workspace.Members(CohortId);
        _braze.Faults.Reset();
        var leavers = landed.Take(100).Concat(Users(0, 3_000).Except(landed).Take(100)).ToHashSet();
        var remaining = Enumerable.Range(0, 3_000).Where(i => !leavers.Contains($"user-{i}")).ToList();
        EngineHarness.WriteCohort(cohort, remaining);
        var clean = await host.RunAsync(SyncId);

        // Assert: the first request's members are known to be held, the rest uncertain; the clean run leaves Braze exact.
        Assert.Equal(1_000, landed.Count);
        Assert.Equal((1_000, 2_000, 1), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((1_000, 2_000), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(remaining.Select(i => $"user-{i}").ToHashSet(), _workspace.Members(CohortId));
        Assert.Equal((2_800, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }

    private Task<EngineHarness> Harness() => EngineHarness.StartAsync(
        azurite.ConnectionString,
        _prefix,
        Sandbox,
        secrets: new Dictionary<string, string>
        {
            [DataImportKeyName] = _workspace.ClientSecret,
            ["braze-partner-key-us"] = _braze.UsPartnerKey,
            ["braze-partner-key-eu"] = _braze.EuPartnerKey,
        });

    private DestinationDefinition Destination(string cluster = "US-03", double requestsPerSecond = 200) => new()
    {
        Id = "braze-sandbox",
        Name = "Braze sandbox",
        Type = BrazeConnector.TypeName,
        Settings = new Dictionary<string, string>
        {
            ["cluster"] = cluster,
            ["baseUrl"] = new Uri(Sandbox.BaseAddress, $"braze/{cluster.ToLowerInvariant()}/").ToString(),
            ["requestsPerSecond"] = requestsPerSecond.ToString(CultureInfo.InvariantCulture),
            ["mode"] = "partnerCohort",
            ["partnerName"] = _braze.PartnerName,
        },
        SecretName = DataImportKeyName,
    };

    private Task CreateSyncAsync(EngineHarness host, string cohortPath, string cluster = "US-03", double requestsPerSecond = 200, int batchSize = 1000) =>
        host.CreateSyncAsync(SyncId, Destination(cluster, requestsPerSecond), cohortPath, [new IdentifierMapping("user_id", KeyKind.UserId)], batchSize: batchSize);

    private string Cohort(IEnumerable<int> ids, IEnumerable<string>? extraIds = null)
    {
        var path = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(path, ids, extraIds: extraIds);
        return path;
    }

    private static HashSet<string> Users(int start, int count) =>
        Enumerable.Range(start, count).Select(i => $"user-{i}").ToHashSet(StringComparer.Ordinal);
}
