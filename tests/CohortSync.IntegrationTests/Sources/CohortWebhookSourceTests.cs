using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources.Webhooks;
using CohortSync.LocalHostTesting;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Amplitude;
using CohortSync.TestHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.IntegrationTests.Sources;

/// <summary>
/// An <c>amplitude-webhook</c> source end to end: the sandbox plays Amplitude and POSTs cohort webhooks over real HTTP to
/// the local host's API on Azurite; the sync's runs send the membership they build to the sandbox webhook destination.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CohortWebhookSourceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string DestinationSecret = "destination-signing-key";
    private const string HookSecret = "amplitude-shared-secret-0123";
    private const string SourceId = "signups";
    private SandboxHost _sandbox = null!;
    private LocalHostUnderTest _host = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _sandbox.Webhook.Secret = DestinationSecret;
        _sandbox.Get<AmplitudeWebhookSender>().RetryDelay = TimeSpan.FromMilliseconds(50);
        _host = await LocalHostUnderTest.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix());
        await _host.Services.GetRequiredService<ISecretStore>().SetSecretAsync("amp-hook", HookSecret);
        using var destination = await _host.Client.PostAsJsonAsync("api/destinations", LocalHostUnderTest.WebhookDestination("hook", _sandbox, DestinationSecret));
        using var sync = await _host.Client.PostAsJsonAsync("api/syncs", new
        {
            id = "wh",
            name = "Signups from webhooks",
            destinationId = "hook",
            source = new { type = CohortWebhookSource.SourceType, location = SourceId, cohortName = "Signups", secretName = "amp-hook" },
            cadence = "manual",
            identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
        });
        Assert.Equal(HttpStatusCode.Created, destination.StatusCode);
        Assert.Equal(HttpStatusCode.Created, sync.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Webhooks_WithDuplicatesAndALateRetry_BuildACohortThatSyncsExactly()
    {
        // Arrange: computation 1 enters 2,500 users, every message sent twice (a lost 200).
        var first = await SendAsync(new { computedTime = 1_000, entered = Users(0, 2500), sendEachTwice = true });

        // Act: run 1.
        var run1 = await RunAsync();

        // Arrange: computation 2 enters 2,500..2,999 (that batch's first attempt fails: held back) and exits 0..499;
        // computation 3 exits 2,500..2,599; then computation 2's held batch arrives, late.
        var second = await SendAsync(new { computedTime = 2_000, entered = Users(2500, 500), exited = Users(0, 500), holdBack = 1, sendEachTwice = true });
        var third = await SendAsync(new { computedTime = 3_000, exited = Users(2500, 100) });
        using var sandbox = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        using var released = await sandbox.PostAsync(new Uri("_sandbox/amplitude/webhooks/release", UriKind.Relative), null);
        var late = await released.Content.ReadFromJsonAsync<JsonElement>();

        // Act: run 2.
        var run2 = await RunAsync();

        // Assert: every message was acknowledged, duplicates included.
        Assert.Equal((6, 6), (first.GetProperty("messages").GetInt32(), first.GetProperty("acknowledged").GetInt32()));
        Assert.Equal((2, 2), (second.GetProperty("messages").GetInt32(), second.GetProperty("acknowledged").GetInt32()));
        Assert.Equal(1, third.GetProperty("acknowledged").GetInt32());
        Assert.Equal(1, late.GetProperty("acknowledged").GetInt32());

        // Assert: run 1 sent the 2,500; run 2 only the change, and the late "entered" did not bring back who left after it.
        Assert.Equal(2500, Plan(run1).GetProperty("adds").GetInt32());
        Assert.Equal((400, 500), (Plan(run2).GetProperty("adds").GetInt32(), Plan(run2).GetProperty("removes").GetInt32()));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(500, 2000).Concat(Enumerable.Range(2600, 400))), _sandbox.Webhook.Members("wh"));
    }

    [Fact]
    public async Task Webhook_DuplicateMessage_ChangesNothing()
    {
        // Arrange
        var body = Body("dup::enter::0", true, 100, "user-1", "user-2");
        using var accepted = await PostAsync(body, HookSecret);
        var store = _host.Services.GetRequiredService<ICohortWebhookStore>();
        var version = await store.GetVersionAsync(SourceId, CancellationToken.None);

        // Act
        using var again = await PostAsync(body, HookSecret);
        var receipt = await again.Content.ReadFromJsonAsync<JsonElement>();

        // Assert
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(receipt.GetProperty("duplicate").GetBoolean());
        Assert.Equal(version, await store.GetVersionAsync(SourceId, CancellationToken.None));
        Assert.Equal(1, await PendingAsync(store));
    }

    [Fact]
    public async Task Webhook_BadSecretBadBodyOrTooLarge_IsRefusedAndChangesNothing()
    {
        // Arrange
        var good = Body("m::enter::0", true, 100, "user-1");
        var tooLarge = Encoding.UTF8.GetBytes("{\"users\":[\"" + new string('x', CohortWebhookSource.MaxBodyBytes) + "\"]}");

        // Act
        using var wrongSecret = await PostAsync(good, HookSecret + "x");
        using var noSecret = await PostAsync(good, null);
        using var unknownSource = await PostAsync(good, HookSecret, "nobody");
        using var notJson = await PostAsync(Encoding.UTF8.GetBytes("{\"message_id\":"), HookSecret);
        using var noUsers = await PostAsync(Encoding.UTF8.GetBytes("{\"message_id\":\"m2\",\"cohort_id\":\"c\",\"in_cohort\":true,\"computed_time\":\"1\"}"), HookSecret);
        using var large = await PostAsync(tooLarge, HookSecret);
        var problem = await noUsers.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownSource.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noUsers.StatusCode);
        Assert.Contains("users", problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.DoesNotContain(HookSecret, await wrongSecret.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var store = _host.Services.GetRequiredService<ICohortWebhookStore>();
        Assert.Null(await store.GetVersionAsync(SourceId, CancellationToken.None));
        Assert.Equal(0, await PendingAsync(store));
    }

    [Fact]
    public async Task SyncOnChange_TheSchedulerRunsAfterAMessageAndNotWithout()
    {
        // Arrange: a daily sync of the same source, set to sync on change; its first slot runs (nothing synced yet).
        using var created = await _host.Client.PostAsJsonAsync("api/syncs", new
        {
            id = "on-change",
            name = "Signups on change",
            destinationId = "hook",
            source = new { type = CohortWebhookSource.SourceType, location = SourceId, secretName = "amp-hook", settings = new Dictionary<string, string> { ["syncOnChange"] = "true" } },
            cadence = "daily",
            identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scheduler = _host.Services.GetRequiredService<Core.Application.SchedulerService>();
        var now = DateTimeOffset.UtcNow;
        var first = Assert.Single(await scheduler.TickAsync(now.AddMinutes(1)), r => r.SyncId == "on-change");
        await _host.WaitForRunAsync(first.RunId, "Completed");

        // Act: a minute with no message, then a message and the next minute.
        var quiet = (await scheduler.TickAsync(now.AddMinutes(2))).Where(r => r.SyncId == "on-change").ToList();
        using var posted = await PostAsync(Body("change::enter::0", true, 100, "user-7"), HookSecret);
        var changed = Assert.Single(await scheduler.TickAsync(now.AddMinutes(3)), r => r.SyncId == "on-change");
        await _host.WaitForRunAsync(changed.RunId, "Completed");

        // Assert
        Assert.Empty(quiet);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(EngineHarness.Keys([7]), _sandbox.Webhook.Members("on-change"));
    }

    private static string[] Users(int from, int count) => [.. Enumerable.Range(from, count).Select(i => $"user-{i}")];

    private static JsonElement Plan(JsonElement view) => view.GetProperty("run").GetProperty("plan");

    private static byte[] Body(string messageId, bool inCohort, long computedTime, params string[] users) =>
        JsonSerializer.SerializeToUtf8Bytes(new
        {
            cohort_name = "Signups",
            cohort_id = "c0h0rt",
            in_cohort = inCohort,
            computed_time = computedTime.ToString(System.Globalization.CultureInfo.InvariantCulture),
            message_id = messageId,
            users = users.Select(u => new { user_id = u }),
        });

    private static async Task<int> PendingAsync(ICohortWebhookStore store)
    {
        var count = 0;
        await foreach (var _ in store.ReadPendingAsync(SourceId, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, string? secret, string sourceId = SourceId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"api/sources/{sourceId}/amplitude-webhook", UriKind.Relative))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/json");
        if (secret is not null)
        {
            request.Headers.Add(CohortWebhookSource.SecretHeader, secret);
        }

        return await _host.Anonymous.SendAsync(request);
    }

    // The sandbox plays Amplitude: one computation's batches, POSTed to the local host's webhook route.
    private async Task<JsonElement> SendAsync(object computation)
    {
        var plan = JsonSerializer.SerializeToNode(computation)!.AsObject();
        plan["url"] = new Uri(_host.Anonymous.BaseAddress!, $"api/sources/{SourceId}/amplitude-webhook").ToString();
        plan["cohortId"] = "c0h0rt";
        plan["headers"] = new System.Text.Json.Nodes.JsonObject { [CohortWebhookSource.SecretHeader] = HookSecret };
        using var sandbox = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        using var response = await sandbox.PostAsJsonAsync("_sandbox/amplitude/webhooks/send", plan);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> RunAsync()
    {
        using var started = await _host.Client.PostAsync(new Uri("api/syncs/wh/runs", UriKind.Relative), null);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        return await _host.WaitForRunAsync(runId, "Completed");
    }
}
