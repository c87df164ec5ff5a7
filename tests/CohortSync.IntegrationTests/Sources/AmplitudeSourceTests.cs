using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Amplitude;
using CohortSync.TestHelpers;
using CohortSync.TestHelpers.Snapshots;
using Xunit.Abstractions;

namespace CohortSync.IntegrationTests.Sources;

/// <summary>Amplitude as the source, against the Amplitude sandbox over HTTP, syncing to the sandbox webhook.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AmplitudeSourceTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ApiKey = "amp-api-key";
    private const string SecretKey = "amp-secret-key";
    private const string CohortId = "c0h0rt1";
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();
    private SandboxHost _sandbox = null!;
    private AmplitudeSandbox _amplitude = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _amplitude = _sandbox.Get<AmplitudeSandbox>();
        _amplitude.ExportDuration = TimeSpan.FromMilliseconds(150);
        _amplitude.AddProject("us", ApiKey, SecretKey);
        _amplitude.SetCohort("us", ApiKey, CohortId, "Trial, no invite", Members(0, 1500));
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Run_AmplitudeCohortThroughARedirect_SyncsEveryMemberWithTheirProperties()
    {
        // Arrange: 1,500 members is over the inline threshold, so the file comes through a pre-signed link.
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1500, run.Plan!.Adds);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 1500)), _sandbox.Webhook.Members("s1"));
        Assert.Equal((1, 1), (_amplitude.ExportRequests, _amplitude.Downloads));
        Assert.Equal(ExportState.Ready, run.Export!.State);
    }

    [Fact]
    public async Task Run_CohortNotRecomputed_DownloadsNothingAndSendsNothing()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        await host.RunAsync("s1");
        var webhookRequests = _sandbox.Webhook.Requests;

        // Act
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, second.Status);
        Assert.Contains(second.Plan!.Notes, n => n.StartsWith("cohort unchanged", StringComparison.Ordinal));
        Assert.Equal((1, 1), (_amplitude.ExportRequests, _amplitude.Downloads));
        Assert.Equal(webhookRequests, _sandbox.Webhook.Requests);
    }

    [Fact]
    public async Task Run_CohortRecomputed_ExportsAgainAndSendsOnlyTheChange()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        await host.RunAsync("s1");
        _amplitude.SetCohort("us", ApiKey, CohortId, "Trial, no invite", Members(100, 1500), DateTimeOffset.UtcNow.AddMinutes(1));

        // Act
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal((100, 100), (second.Plan!.Adds, second.Plan.Removes));
        Assert.Equal((2, 2), (_amplitude.ExportRequests, _amplitude.Downloads));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(100, 1500)), _sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_DownloadLinkAlreadyExpired_RequestsAFreshLink()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        _amplitude.ExpireNextLinks(1);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1, _amplitude.Downloads);
        Assert.Equal(1500, _sandbox.Webhook.Members("s1").Count);
    }

    [Fact]
    public async Task Run_StormOf429s_SlowsTheRunButLosesNothing()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        _amplitude.Faults.TooManyRequestsRate = 0.4;
        _amplitude.Faults.RetryAfterSeconds = 0;

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(_amplitude.Faults.Injected > 0);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 1500)), _sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_FaultStormAtTheIssuesRates_LosesNothingAndMakesNoMoreRequestsThanTheFaultsForce()
    {
        // Arrange: a fault-free sync of one cohort, then a sync of another cohort with the same members while Amplitude's
        // sandbox answers 30% of requests 429, 10% 503, and times out or drops 2.5% each (reliability.md, "Fault storms").
        await using var host = await EngineHarness.StartAsync(
            azurite.ConnectionString, _prefix, _sandbox, secrets: new Dictionary<string, string> { ["amplitude-project"] = ApiKey + ":" + SecretKey }, httpTimeout: TimeSpan.FromSeconds(2));
        _amplitude.SetCohort("us", ApiKey, "c0h0rt2", "Trial, no invite", Members(0, 1500));
        await CreateSyncAsync(host, "calm");
        await CreateSyncAsync(host, "storm", cohortId: "c0h0rt2");
        var calm = await host.RunAsync("calm");
        var calmRequests = _amplitude.Faults.Seen;
        _amplitude.Faults.Reseed(7);
        (_amplitude.Faults.TooManyRequestsRate, _amplitude.Faults.ServerErrorRate) = (0.30, 0.10);
        (_amplitude.Faults.TimeoutRate, _amplitude.Faults.DropRate) = (0.025, 0.025);
        _amplitude.Faults.RetryAfterSeconds = 0;

        // Act
        var storm = await host.RunAsync("storm");
        var stormRequests = _amplitude.Faults.Seen - calmRequests;
        output.WriteLine($"amplitude storm: requests fault-free {calmRequests}, storm {stormRequests}; injected {string.Join(" ", _amplitude.Faults.InjectedByKind.Select(p => p.Key + ":" + p.Value))}");

        // Assert
        Assert.Equal(RunStatus.Completed, calm.Status);
        Assert.Equal(RunStatus.Completed, storm.Status);
        Assert.Equal(1500, storm.Plan!.Adds);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 1500)), _sandbox.Webhook.Members("storm"));
        Assert.True(_amplitude.Faults.Injected > 0, "the storm injected no fault");
        Assert.True(
            stormRequests <= 1.5 * calmRequests / (1 - 0.45),
            $"the storm made {stormRequests} requests to Amplitude against {calmRequests} without faults (bound {1.5 * calmRequests / 0.55:F0})");
    }

    [Fact]
    public async Task Run_TwoSyncsOfOneCohortInOneWindow_ShareOneExportAndOneDownload()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        await CreateSyncAsync(host, "s2");

        // Act
        var first = await host.RunAsync("s1");
        var second = await host.RunAsync("s2");

        // Assert
        Assert.Equal((RunStatus.Completed, RunStatus.Completed), (first.Status, second.Status));
        Assert.True(second.Export!.Shared);
        Assert.Equal((1, 1), (_amplitude.ExportRequests, _amplitude.Downloads));
        Assert.Equal(1500, _sandbox.Webhook.Members("s1").Count);
        Assert.Equal(1500, _sandbox.Webhook.Members("s2").Count);
    }

    [Fact]
    public async Task Run_MalformedExportFile_FailsNamingLineAndColumnAndKeepsTheBaseline()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        await host.RunAsync("s1");
        _amplitude.CorruptCohortFile("us", ApiKey, CohortId, line: 5);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("line 5, column 1", run.Error, StringComparison.Ordinal);
        Assert.Equal(1500, (await host.Baselines.LoadAsync("s1")).Count);
    }

    [Theory]
    [InlineData("wrong-secret", CohortId, "refused the API key")]
    [InlineData(SecretKey, "no-such-cohort", "has no cohort 'no-such-cohort'")]
    public async Task Run_BadKeyOrUnknownCohort_FailsSayingWhichAndKeepsTheBaseline(string secretKey, string cohortId, string expected)
    {
        // Arrange
        await using var host = await Harness(secretKey);
        await CreateSyncAsync(host, "s1", cohortId);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await host.Baselines.LoadAsync("s1")).Count);
        Assert.Equal(0, _sandbox.Webhook.Requests);
    }

    [Fact]
    public async Task Run_ArchivedCohort_FailsSayingSo()
    {
        // Arrange
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");
        _amplitude.Archive("us", ApiKey, CohortId);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("is archived", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, _amplitude.ExportRequests);
    }

    [Fact]
    public async Task Run_ExportNeverFinishes_FailsAtTheDeadlineAndKeepsTheBaseline()
    {
        // Arrange
        await using var host = await Harness();
        _amplitude.ExportDuration = TimeSpan.FromHours(1);
        await CreateSyncAsync(host, "s1", deadlineMinutes: 0.005);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("did not finish by its deadline", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, _amplitude.Downloads);
        Assert.Equal(0, (await host.Baselines.LoadAsync("s1")).Count);
    }

    [Fact]
    public async Task Run_LastComputedInSeconds_ReadsTheRightTimeAndSkipsAnUnchangedCohort()
    {
        // Arrange: the cohort list gives lastComputed in epoch seconds, as Amplitude's public sample does.
        _amplitude.LastComputedInSeconds = true;
        var computed = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
        _amplitude.SetCohort("us", ApiKey, CohortId, "Trial, no invite", Members(0, 100), computed);
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");

        // Act
        var first = await host.RunAsync("s1");
        var second = await host.RunAsync("s1");

        // Assert: the time read is the cohort's (not 1970-01-21), and the second run finds it unchanged.
        Assert.Equal((RunStatus.Completed, computed), (first.Status, first.Export!.ComputedAt));
        Assert.Contains(second.Plan!.Notes, n => n.StartsWith("cohort unchanged", StringComparison.Ordinal) && n.Contains("2026-12-01 09:30:00Z", StringComparison.Ordinal));
        Assert.Equal(1, _amplitude.ExportRequests);
    }

    [Fact]
    public async Task Run_CohortOverAmplitudesExportLimit_FailsNamingTheLimitAndRequestsNoExport()
    {
        // Arrange
        _amplitude.SetReportedSize("us", ApiKey, CohortId, AmplitudeSandbox.MaxExportMembers + 1);
        await using var host = await Harness();
        await CreateSyncAsync(host, "s1");

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("2,000,001 members", run.Error, StringComparison.Ordinal);
        Assert.Contains("at most 2,000,000", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, _amplitude.ExportRequests);
        Assert.Equal(default, await host.Baselines.CountAsync("s1"));
    }

    private static IEnumerable<AmplitudeMember> Members(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new AmplitudeMember(
            $"user-{i}",
            900_000 + i,
            new Dictionary<string, string> { ["email"] = $"u{i}@example.com", ["plan"] = i % 2 == 0 ? "pro" : "free" }));

    private Task<EngineHarness> Harness(string secretKey = SecretKey) =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, _sandbox, secrets: new Dictionary<string, string> { ["amplitude-project"] = ApiKey + ":" + secretKey });

    private async Task CreateSyncAsync(EngineHarness host, string syncId, string cohortId = CohortId, double deadlineMinutes = 5)
    {
        await host.CreateWebhookSyncAsync(syncId, "unused.csv");
        var sync = (await host.Store.GetSyncAsync(syncId))!;
        var settings = new Dictionary<string, string>
        {
            ["baseUrl"] = new Uri(_sandbox.BaseAddress, "amplitude/us/").ToString(),
            ["pollMinutes"] = (0.05 / 60).ToString(CultureInfo.InvariantCulture),
            ["exportDeadlineMinutes"] = deadlineMinutes.ToString(CultureInfo.InvariantCulture),
        };
        await host.Store.SaveSyncAsync(
            sync.Value with
            {
                Source = new SourceDefinition("amplitude", cohortId, "Trial, no invite", settings, "amplitude-project"),
                Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
                Carry = [new CarriedField("email", "email")],
            },
            sync.ETag);
    }
}
