using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Notify;
using CohortSync.TestHelpers;
using CohortSync.Testing;
using Xunit.Abstractions;

namespace CohortSync.IntegrationTests.Notifications;

/// <summary>
/// Run notifications on Azurite and the Durable Task engine, over real HTTP to the sandbox's receivers, which check the
/// signature and the timestamp the way a receiver should.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunNotificationTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private const string NotifyKey = "notify-key";
    private const string SlackUrlSecret = "slack-url";
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();
    private readonly string _dir = Directory.CreateTempSubdirectory("cohortsync-notify-").FullName;
    private SandboxHost _sandbox = null!;

    private NotifySandbox Receiver => _sandbox.Get<NotifySandbox>();

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_WithAWebhookAndASlackTarget_DeliversSignedStartAndEnd_WithCountsAndReasonsButNoMember()
    {
        // Arrange: one member the destination refuses, so the run ends CompletedWithRejections; Slack's URL is a secret.
        await using var host = await Harness();
        var cohort = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 1500), extraIds: ["vip-reject-me"]);
        await host.CreateWebhookSyncAsync("n1", cohort);
        await SetNotificationsAsync(host, "n1",
        [
            new NotificationTarget { Type = "webhook", Url = Url("notify/webhook"), SecretName = NotifyKey },
            new NotificationTarget { Type = "slack", SecretName = SlackUrlSecret },
        ]);

        // Act
        var run = await host.RunAsync("n1");

        // Assert
        Assert.Equal(RunStatus.CompletedWithRejections, run.Status);
        Assert.Equal(0, Receiver.BadSignatures);
        var hooks = Receiver.Received.Where(r => r.Route == "webhook").ToList();
        Assert.Equal(
            [(NotificationEvents.CompletedWithRejections, run.RunId + "/completedWithRejections"), (NotificationEvents.Started, run.RunId + "/started")],
            hooks.Select(h => (h.Event!, h.IdempotencyKey!)).Order());
        using var end = JsonDocument.Parse(hooks.Single(h => h.Event == NotificationEvents.CompletedWithRejections).Body);
        var counts = end.RootElement.GetProperty("counts");
        Assert.Equal((1501, 1500, 1), (counts.GetProperty("adds").GetInt32(), counts.GetProperty("accepted").GetInt32(), counts.GetProperty("rejected").GetInt32()));
        Assert.Equal(("n1", "n1-hook", "webhook", "CompletedWithRejections"), (
            end.RootElement.GetProperty("syncId").GetString(), end.RootElement.GetProperty("destinationId").GetString(),
            end.RootElement.GetProperty("destinationType").GetString(), end.RootElement.GetProperty("status").GetString()));
        Assert.Equal(["webhook: id refused by the receiver (1)"], end.RootElement.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        var slack = Receiver.Received.Where(r => r.Route == "slack").Select(r => r.Body).ToList();
        Assert.Equal(2, slack.Count);
        Assert.Contains(slack, t => t.Contains("completed; the destination refused some members", StringComparison.Ordinal));
        var everything = string.Join("\n", Receiver.Received.Select(r => r.Body));
        Assert.DoesNotContain("@", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("user-", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("reject-me", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Receiver.Secret, everything, StringComparison.Ordinal);
        Assert.Equal(
            [("sync[0]", "completedWithRejections"), ("sync[0]", "started"), ("sync[1]", "completedWithRejections"), ("sync[1]", "started")],
            run.Notifications!.Select(n => (n.Target, n.Event)).Order());
        Assert.All(run.Notifications!, n => Assert.Equal((true, 1, null), (n.Delivered, n.Attempts, n.Error)));
    }

    [Fact]
    public async Task Run_DefaultTargetsDown_EndsAsItWouldWithinTheRetryBudget_AndRecordsEachFailure()
    {
        // Arrange: every sync's defaults are a receiver that answers 503 and one that refuses connections.
        var closed = ClosedPort();
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Defaults:0:Type"] = "webhook",
            ["Notifications:Defaults:0:Url"] = Url("notify/down"),
            ["Notifications:Defaults:0:SecretName"] = NotifyKey,
            ["Notifications:Defaults:1:Type"] = "teams",
            ["Notifications:Defaults:1:Url"] = $"http://127.0.0.1:{closed}/webhookb2/x",
        };
        await using var host = await Harness(settings);
        var cohort = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 800));
        await host.CreateWebhookSyncAsync("n2", cohort);
        var options = (NotificationOptions)host.Services.GetService(typeof(NotificationOptions))!;

        // Act
        var run = await host.RunAsync("n2");
        var orchestrationEnded = DateTimeOffset.UtcNow;

        // Assert: the run's own end is decided before its end is notified, and the orchestration ends within the budget.
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(800, run.Outcome!.Accepted);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 800)), _sandbox.Webhook.Members("n2"));
        Assert.Equal(4, run.Notifications!.Count);
        Assert.All(run.Notifications!, n => Assert.Equal((false, options.MaxAttempts), (n.Delivered, n.Attempts)));
        Assert.Equal(
            [("default[0]", "HTTP 503 (Service Unavailable)"), ("default[0]", "HTTP 503 (Service Unavailable)"), ("default[1]", "request failed: ConnectionError"), ("default[1]", "request failed: ConnectionError")],
            run.Notifications!.Select(n => (n.Target, n.Error!)).Order());
        Assert.Equal(2 * options.MaxAttempts, Receiver.DownRequests);
        var lastNotification = run.Notifications!.Max(n => n.At);
        Assert.True(run.FinishedAt < lastNotification, "the run ended before its end was notified");
        var afterEnd = orchestrationEnded - run.FinishedAt!.Value;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run created to finished: {(run.FinishedAt!.Value - run.CreatedAt).TotalSeconds:0.00} s; orchestration ended {afterEnd.TotalSeconds:0.00} s after the run finished (budget {options.Budget().TotalSeconds:0.0} s, {options.MaxAttempts} attempts per target)"));
        Assert.True(afterEnd < options.Budget() + TimeSpan.FromSeconds(3), $"the orchestration ended {afterEnd.TotalSeconds:0.0} s after the run, past the notifications' budget of {options.Budget().TotalSeconds:0.0} s");
        var state = (await host.Store.GetSyncStateAsync("n2"))!.Value;
        Assert.Equal((run.RunId, RunStatus.Completed, (string?)null), (state.LastRunId!, state.LastRunStatus!.Value, state.ActiveRunId));
    }

    [Fact]
    public async Task Run_HeldByTheGuardrail_NotifiesWhileItWaits_AndFailureGoesToTheChatTarget()
    {
        // Arrange: a guardrail on a small baseline; the webhook takes only the hold, Teams only failures.
        await using var host = await Harness();
        var cohort = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 100));
        await host.CreateWebhookSyncAsync("n3", cohort, guardrail: new GuardrailSettings(true, 0.2, 10));
        await SetNotificationsAsync(host, "n3",
        [
            new NotificationTarget { Type = "webhook", Url = Url("notify/webhook"), SecretName = NotifyKey, Events = [NotificationEvents.AwaitingApproval] },
            new NotificationTarget { Type = "teams", Url = Url("notify/teams/" + Receiver.ChatToken), Events = ["FAILED"] },
        ]);
        var first = await host.RunAsync("n3");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 50));

        // Act
        var held = (await host.Runs.StartAsync("n3", RunMode.Incremental)).Run.RunId;
        await host.WaitForStatusAsync(held, RunStatus.AwaitingApproval);
        var hold = await Eventually.UntilAsync(
            () => Task.FromResult(Receiver.Received.FirstOrDefault(r => r.Event == NotificationEvents.AwaitingApproval)),
            r => r is not null,
            TimeSpan.FromSeconds(30),
            "the hold to be notified",
            _ => "not yet");
        await host.Runs.DecideAsync(held, approve: false, by: "ops");
        await host.Engine.WaitAsync(held).WaitAsync(TimeSpan.FromMinutes(1));
        File.Delete(cohort);
        var failed = await host.RunAsync("n3");

        // Assert
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal(held, hold!.RunId);
        using var body = JsonDocument.Parse(hold.Body);
        Assert.Equal(("AwaitingApproval", 50), (body.RootElement.GetProperty("status").GetString(), body.RootElement.GetProperty("counts").GetProperty("removes").GetInt32()));
        Assert.Equal(RunStatus.Failed, failed.Status);
        var teams = Assert.Single(Receiver.Received, r => r.Route == "teams");
        Assert.StartsWith("CohortSync: sync 'sync n3' (n3) to n3-hook (webhook): failed.", teams.Body, StringComparison.Ordinal);
        Assert.Contains("\nError: ", teams.Body, StringComparison.Ordinal);
        Assert.Single(Receiver.Received, r => r.Route == "webhook");
        Assert.Null((await host.Store.GetRunAsync(first.RunId))!.Value.Notifications);
    }

    [Fact]
    public async Task Receiver_ReplayedTamperedOrRepeated_IsTurnedAwayOrDropped()
    {
        // Arrange: a delivery signed as CohortSync signs, then the same with an old timestamp, a changed body and a repeat.
        using var http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        var body = Encoding.UTF8.GetBytes("{\"event\":\"completed\",\"runId\":\"r.20260310T110000.s\",\"status\":\"Completed\"}");
        async Task<HttpStatusCode> PostAsync(long timestamp, byte[] content, byte[] signed, string key = "r/completed")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "notify/webhook") { Content = new ByteArrayContent(content) };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(Receiver.Secret, WebhookSignature.Timestamped(timestamp, signed)));
            request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        // Act
        var fresh = await PostAsync(now, body, body);
        var replayed = await PostAsync(now - 3600, body, body, "r/replayed");
        var tampered = await PostAsync(now, [.. body, (byte)' '], body, "r/tampered");
        var repeated = await PostAsync(now, body, body);

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (fresh, replayed, tampered, repeated));
        Assert.Equal((1, 1, 1), (Receiver.StaleTimestamps, Receiver.BadSignatures, Receiver.Duplicates));
        Assert.Single(Receiver.Received);
    }

    private Task<EngineHarness> Harness(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Notifications:MaxAttempts"] = "3",
            ["Notifications:FirstRetryDelay"] = "00:00:00.200",
            ["Notifications:RequestTimeout"] = "00:00:02",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }

        return EngineHarness.StartAsync(
            azurite.ConnectionString,
            _prefix,
            _sandbox,
            secrets: new Dictionary<string, string>
            {
                [NotifyKey] = Receiver.Secret,
                [SlackUrlSecret] = Url("notify/slack/" + Receiver.ChatToken),
            },
            settings: all);
    }

    private string Url(string path) => new Uri(_sandbox.BaseAddress, path).ToString();

    private static async Task SetNotificationsAsync(EngineHarness host, string syncId, IReadOnlyList<NotificationTarget> targets)
    {
        var sync = (await host.Store.GetSyncAsync(syncId))!;
        var updated = sync.Value with { Notifications = targets };
        DefinitionValidator.Validate(updated);
        await host.Store.SaveSyncAsync(updated, sync.ETag);
    }

    // A port nothing listens on: connections to it are refused at once.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
