using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CohortSync.Api;
using CohortSync.Core.Runs;
using CohortSync.LocalHost.Cli;
using CohortSync.LocalHostTesting;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Api;

/// <summary>The HTTP API through the LocalHost, over real HTTP, on Azurite and the sandbox.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HttpApiTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-api-")
{
    private const string Secret = "signing-key-from-the-api";
    private LocalHostUnderTest _host = null!;

    protected override async Task StartedAsync()
    {
        Sandbox.Webhook.Secret = Secret;
        _host = await LocalHostUnderTest.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix());
    }

    protected override async Task StoppingAsync()
    {
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Api_CreateStartPollHistory_SyncsAndNeverReturnsTheSecret()
    {
        // Arrange
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 1200));

        // Act
        using var createdDestination = await _host.Client.PostAsJsonAsync("api/destinations", LocalHostUnderTest.WebhookDestination("hook", Sandbox, Secret));
        using var createdSync = await _host.Client.PostAsJsonAsync("api/syncs", LocalHostUnderTest.FileSync("s1", "hook", cohort));
        using var started = await _host.Client.PostAsync(new Uri("api/syncs/s1/runs", UriKind.Relative), null);
        var start = await started.Content.ReadFromJsonAsync<JsonElement>();
        var runId = start.GetProperty("runId").GetString()!;
        var done = await _host.WaitForRunAsync(runId, "Completed", "Failed");
        var history = await _host.GetJsonAsync("api/syncs/s1/runs");
        var status = await _host.GetJsonAsync("api/syncs/s1/status");
        using var unknownStatus = await _host.Client.GetAsync(new Uri("api/syncs/nope/status", UriKind.Relative));
        var destinationText = await _host.Client.GetStringAsync(new Uri("api/destinations/hook", UriKind.Relative));
        var listText = await _host.Client.GetStringAsync(new Uri("api/destinations", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.Created, createdDestination.StatusCode);
        Assert.Equal(HttpStatusCode.Created, createdSync.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.EndsWith("/api/runs/" + runId, started.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal("Completed", done.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(done.GetProperty("batchCount").GetInt32(), done.GetProperty("batchesSettled").GetInt32());
        Assert.Equal(runId, Assert.Single(history.EnumerateArray()).GetProperty("runId").GetString());
        Assert.Equal(runId, status.GetProperty("lastRunId").GetString());
        Assert.Equal("Completed", status.GetProperty("lastRunStatus").GetString());
        Assert.False(status.TryGetProperty("activeRunId", out var active) && active.ValueKind != JsonValueKind.Null, "no run should be under way");
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus.StatusCode);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 1200)), Sandbox.Webhook.Members("s1"));
        Assert.Equal(0, Sandbox.Webhook.BadSignatures);
        Assert.DoesNotContain(Secret, destinationText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, await createdDestination.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_RunWithAFailedBatch_IsPartlyFailedInTheRunTheSyncStatusAndTheCliSummary()
    {
        // Arrange: two batches; the receiver refuses the first request with a 400 (not retried), so one batch fails.
        await CreateAsync(Enumerable.Range(0, 1200));
        Sandbox.Webhook.Faults.FailNext(1, HttpStatusCode.BadRequest);

        // Act
        var runId = await StartAsync("s1");
        var done = await _host.WaitForRunAsync(runId, "PartlyFailed");
        var status = await _host.GetJsonAsync("api/syncs/s1/status");
        var run = done.GetProperty("run").Deserialize<RunRecord>(ApiJson.Options)!;

        // Assert: the API, and the CLI reading the same run, say what happened.
        var outcome = done.GetProperty("run").GetProperty("outcome");
        Assert.Equal(2, done.GetProperty("batchCount").GetInt32());
        Assert.Equal((600, 600, 1), (outcome.GetProperty("accepted").GetInt32(), outcome.GetProperty("failed").GetInt32(), outcome.GetProperty("failedBatches").GetInt32()));
        Assert.Equal("PartlyFailed", status.GetProperty("lastRunStatus").GetString());
        Assert.Equal("Partly failed: 1 of 2 batches failed; 600 changes pending for the next run", RunReporter.Headline(run));
        Assert.Equal(6, ExitCodes.Of(run.Status));
    }

    [Fact]
    public async Task Api_DryRun_ReportsAndChangesNothing()
    {
        // Arrange
        await CreateAsync(Enumerable.Range(0, 300));

        // Act
        using var started = await _host.Client.PostAsync(new Uri("api/syncs/s1/runs?mode=dryrun", UriKind.Relative), null);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        var done = await _host.WaitForRunAsync(runId, "DryRunCompleted", "Failed");

        // Assert
        Assert.Equal("DryRunCompleted", done.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(300, done.GetProperty("run").GetProperty("plan").GetProperty("adds").GetInt32());
        Assert.Equal(0, Sandbox.Webhook.Requests);
        Assert.Empty(Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Api_GuardedRun_WaitsForApprovalThenSends()
    {
        // Arrange
        var cohort = await CreateAsync(Enumerable.Range(0, 2000));
        var first = await StartAsync("s1");
        await _host.WaitForRunAsync(first, "Completed");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 1000));
        var requests = Sandbox.Webhook.Requests;

        // Act
        var runId = await StartAsync("s1");
        var held = await _host.WaitForRunAsync(runId, "AwaitingApproval", "Completed", "Failed");
        var requestsWhileHeld = Sandbox.Webhook.Requests;
        using var approved = await _host.Client.PostAsJsonAsync($"api/runs/{runId}/approve", new { by = "ops" });
        var done = await _host.WaitForRunAsync(runId, "Completed", "Failed");

        // Assert
        Assert.Equal("AwaitingApproval", held.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(requests, requestsWhileHeld);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal("Completed", done.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(1000, Sandbox.Webhook.Members("s1").Count);
    }

    [Fact]
    public async Task Api_EveryRouteWithoutOrWithAWrongKey_Answers401()
    {
        // Arrange
        using var wrong = new HttpClient { BaseAddress = _host.Client.BaseAddress };
        wrong.DefaultRequestHeaders.Add("x-functions-key", LocalHostUnderTest.ApiKey + "x");

        foreach (var (method, path, _, _, _) in OpenApiDocument.Routes)
        {
            var uri = new Uri(path.TrimStart('/').Replace("{id}", "s1", StringComparison.Ordinal).Replace("{runId}", "s1.20260101T000000.s", StringComparison.Ordinal), UriKind.Relative);
            foreach (var client in new[] { _host.Anonymous, wrong })
            {
                // Act
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), uri) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);

                // Assert
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {response.StatusCode}");
            }
        }
    }

    [Theory]
    [InlineData("POST", "api/destinations", "{\"id\":\"Bad Id!\",\"name\":\"x\",\"type\":\"webhook\"}", "id")]
    [InlineData("POST", "api/destinations", "{\"id\":\"d1\",\"name\":\"x\",\"type\":\"carrier-pigeon\"}", "type")]
    [InlineData("POST", "api/destinations", "{\"id\":\"d1\",\"type\":\"webhook\"}", "name")]
    [InlineData("POST", "api/destinations", "{\"id\":\"d1\",\"name\":\"x\",\"type\":\"webhook\",\"secret\":\"s\"}", "secretName")]
    [InlineData("POST", "api/destinations", "{\"id\":\"d1\",\"name\":\"x\",\"type\":\"webhook\",\"colour\":\"red\"}", "colour")]
    [InlineData("POST", "api/destinations", "{\"id\":\"d1\",\"name\":", "body")]
    [InlineData("POST", "api/destinations", "", "body")]
    [InlineData("PUT", "api/destinations/hook", "{\"id\":\"other\",\"name\":\"x\",\"type\":\"webhook\"}", "id")]
    [InlineData("POST", "api/syncs", "{\"id\":\"s2\",\"name\":\"x\",\"destinationId\":\"hook\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[{\"sourceField\":\"user_id\",\"kind\":\"UserId\"}],\"cadence\":\"cron:* * * *\"}", "cadence")]
    [InlineData("POST", "api/syncs", "{\"id\":\"s2\",\"name\":\"x\",\"destinationId\":\"nope\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[{\"sourceField\":\"user_id\",\"kind\":\"UserId\"}]}", "destinationId")]
    [InlineData("POST", "api/syncs", "{\"id\":\"s2\",\"name\":\"x\",\"destinationId\":\"hook\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[]}", "identifiers")]
    [InlineData("POST", "api/syncs", "{\"id\":\"s2\",\"name\":\"x\",\"destinationId\":\"hook\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[{\"sourceField\":\"user_id\",\"kind\":\"UserId\"}],\"batchSize\":0}", "batchSize")]
    [InlineData("POST", "api/syncs", "{\"id\":\"s2\",\"name\":\"x\",\"destinationId\":\"hook\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[{\"sourceField\":\"user_id\",\"kind\":\"Telepathy\"}]}", "identifiers[0].kind")]
    [InlineData("PUT", "api/syncs/s1", "{\"name\":\"x\",\"destinationId\":\"hook\",\"source\":{\"type\":\"file\",\"location\":\"/x.csv\"},\"identifiers\":[{\"sourceField\":\"user_id\",\"kind\":\"UserId\"}],\"guardrail\":{\"maxRemovalFraction\":2}}", "guardrail")]
    [InlineData("POST", "api/syncs/s1/runs?mode=sideways", "", "mode")]
    [InlineData("GET", "api/runs/not-a-run", "", "runId")]
    [InlineData("GET", "api/syncs/s1/explain", "", "query")]
    [InlineData("POST", "api/runs/s1.20260101T000000.s/approve", "{\"by\":", "body")]
    public async Task Api_BadInput_Answers400NamingTheFieldAndStoresNothing(string method, string path, string body, string field)
    {
        // Arrange
        await CreateAsync(Enumerable.Range(0, 10));
        var destinationsBefore = await _host.Client.GetStringAsync(new Uri("api/destinations", UriKind.Relative));
        var syncsBefore = await _host.Client.GetStringAsync(new Uri("api/syncs", UriKind.Relative));

        // Act
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _host.Client.SendAsync(request);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        Assert.Equal(destinationsBefore, await _host.Client.GetStringAsync(new Uri("api/destinations", UriKind.Relative)));
        Assert.Equal(syncsBefore, await _host.Client.GetStringAsync(new Uri("api/syncs", UriKind.Relative)));
    }

    [Fact]
    public async Task Api_OversizedBody_Answers413AndStoresNothing()
    {
        // Arrange
        var big = "{\"id\":\"d1\",\"name\":\"" + new string('x', CohortSyncApi.MaxBodyBytes) + "\",\"type\":\"webhook\"}";

        // Act
        using var response = await _host.Client.PostAsync(new Uri("api/destinations", UriKind.Relative), new StringContent(big, Encoding.UTF8, "application/json"));

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("[]", await _host.Client.GetStringAsync(new Uri("api/destinations", UriKind.Relative)));
    }

    [Fact]
    public async Task Api_ExplainAfterASync_TellsTheMembersStory()
    {
        // Arrange
        await CreateAsync(Enumerable.Range(0, 50));
        await _host.WaitForRunAsync(await StartAsync("s1"), "Completed");

        // Act
        var member = await _host.GetJsonAsync("api/syncs/s1/explain?userId=user-7");
        var stranger = await _host.GetJsonAsync("api/syncs/s1/explain?userId=user-999");

        // Assert
        Assert.True(member.GetProperty("inBaseline").GetBoolean());
        Assert.Equal("add", member.GetProperty("lastOperation").GetString());
        Assert.Equal("accepted", member.GetProperty("outcome").GetString());
        Assert.False(stranger.GetProperty("inBaseline").GetBoolean());
        Assert.Equal("not sent", stranger.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Api_StartWhileARunIsUnderWay_Returns200WithThatRun()
    {
        // Arrange
        await CreateAsync(Enumerable.Range(0, 2000));
        await _host.WaitForRunAsync(await StartAsync("s1"), "Completed");
        EngineHarness.WriteCohort(Path.Combine(Dir, "cohort.csv"), []);
        var held = await StartAsync("s1");
        await _host.WaitForRunAsync(held, "AwaitingApproval");

        // Act
        using var again = await _host.Client.PostAsync(new Uri("api/syncs/s1/runs", UriKind.Relative), null);
        var view = await again.Content.ReadFromJsonAsync<JsonElement>();

        // Assert
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(view.GetProperty("started").GetBoolean());
        Assert.Equal(held, view.GetProperty("runId").GetString());
    }

    [Fact]
    public async Task Api_OpenApiDocument_DescribesEveryRoute()
    {
        // Act
        var document = await _host.GetJsonAsync("api/openapi.json");

        // Assert
        var paths = document.GetProperty("paths");
        foreach (var (method, path, operationId, _, _) in OpenApiDocument.Routes)
        {
            Assert.Equal(operationId, paths.GetProperty(path).GetProperty(method).GetProperty("operationId").GetString());
        }
    }

    private async Task<string> CreateAsync(IEnumerable<int> members)
    {
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, members);
        (await _host.Client.PostAsJsonAsync("api/destinations", LocalHostUnderTest.WebhookDestination("hook", Sandbox, Secret))).EnsureSuccessStatusCode();
        (await _host.Client.PostAsJsonAsync("api/syncs", LocalHostUnderTest.FileSync("s1", "hook", cohort))).EnsureSuccessStatusCode();
        return cohort;
    }

    private async Task<string> StartAsync(string syncId)
    {
        using var started = await _host.Client.PostAsync(new Uri($"api/syncs/{syncId}/runs", UriKind.Relative), null);
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }
}
