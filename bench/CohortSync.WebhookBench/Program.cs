using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Azure.Tables;
using CohortSync.Bench;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources.Webhooks;
using CohortSync.LocalHost.Web;
using CohortSync.Sandbox.Amplitude;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.WebhookBench;

/// <summary>
/// The webhook source under load, over real HTTP to the local host's API on a private Azurite: (1) acknowledgement latency
/// of <c>--messages</c> messages of <c>--users</c> users each, sent as Amplitude sends them (4 at a time); (2) the cohort
/// grown from webhooks to <c>--members</c> members, then one run of a sync to a file destination: its time, the process's
/// peak working set and the table transactions. Figures go to stdout; progress to stderr.
/// </summary>
internal static class Program
{
    private const string Secret = "webhook-bench-shared-secret";
    private const string SourceId = "bench-source";

    public static Task<int> Main(string[] args) => BenchMain.RunAsync("webhookbench", child: false, ct => RunAsync(args, ct));

    private static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var messages = Option(args, "--messages", 1000);
        var users = Option(args, "--users", 1000);
        var members = Option(args, "--members", 3_000_000);
        var storageArg = args.SkipWhile(a => a != "--storage").Skip(1).FirstOrDefault();
        var work = Directory.CreateTempSubdirectory("webhookbench-").FullName;
        try
        {
            await using var storage = await BenchStorage.OpenAsync(storageArg, work, "whbench", keep: false, Log, ct);
            var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = storage.ConnectionString,
                ["Storage:TablePrefix"] = "whbench",
                ["Api:Key"] = "webhook-bench-api-key",
                ["SchedulerTimer"] = "off",
            }));
            await app.StartAsync(ct);
            try
            {
                return await MeasureAsync(app, work, messages, users, members, ct);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> MeasureAsync(WebApplication app, string work, int messages, int users, int members, CancellationToken ct)
    {
        var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        using var api = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(30) };
        api.DefaultRequestHeaders.Add("x-functions-key", "webhook-bench-api-key");
        await app.Services.GetRequiredService<ISecretStore>().SetSecretAsync("bench-hook", Secret, ct);
        (await api.PostAsJsonAsync("api/destinations", new { id = "files", name = "Files", type = "file", settings = new Dictionary<string, string> { ["folder"] = Path.Combine(work, "export") } }, ct)).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync("api/syncs", new
        {
            id = "bench",
            name = "Webhook bench",
            destinationId = "files",
            source = new { type = CohortWebhookSource.SourceType, location = SourceId, secretName = "bench-hook" },
            cadence = "manual",
            identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
            guardrail = new { maxRemovalFraction = 1.0, minBaseline = 0 },
            batchSize = 10000,
        }, ct)).EnsureSuccessStatusCode();

        using var sender = new AmplitudeWebhookSender { Timeout = TimeSpan.FromSeconds(10) };
        var url = new Uri(baseAddress, $"api/sources/{SourceId}/amplitude-webhook");
        var headers = new Dictionary<string, string> { [CohortWebhookSource.SecretHeader] = Secret };
        var gateway = app.Services.GetRequiredService<TableGateway>();

        // (1) Acknowledgement latency: the first messages of the cohort, each of `users` users.
        Log($"sending {messages:N0} messages of {users:N0} users (4 at a time)");
        var warm = await sender.SendAsync(new WebhookPlan(url, "c", 1, Entered: Ids(0, users), Headers: headers, BatchSize: users, SyncId: "warm-up"), ct);
        var latencyWatch = Stopwatch.StartNew();
        var latency = await sender.SendAsync(new WebhookPlan(url, "c", 1, Entered: Ids(0, messages * users), Headers: headers, BatchSize: users, SyncId: "latency"), ct);
        latencyWatch.Stop();
        var ms = latency.Milliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acknowledgement: {latency.Messages:N0} messages of {users:N0} users: p50 {Percentile(ms, 0.50):F1} ms, p99 {Percentile(ms, 0.99):F1} ms, max {ms[^1]:F1} ms; {latency.Acknowledged:N0} acknowledged, {latency.Retries} retries; {latency.Messages / latencyWatch.Elapsed.TotalSeconds:F0} messages/s ({warm.Acknowledged} warm-up)"));

        // (2) The rest of the cohort, then one run.
        var remaining = Math.Max(0, members - (messages * users));
        Log($"sending {remaining:N0} more members");
        var fillWatch = Stopwatch.StartNew();
        var fill = await sender.SendAsync(new WebhookPlan(url, "c", 1, Entered: Ids(messages * users, remaining), Headers: headers, BatchSize: 1000, SyncId: "fill"), ct);
        fillWatch.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cohort from webhooks: {members:N0} members in {latency.Messages + fill.Messages:N0} messages; the last {fill.Messages:N0} in {fillWatch.Elapsed.TotalSeconds:F1} s ({fill.Acknowledged:N0} acknowledged, p99 {Percentile(fill.Milliseconds, 0.99):F1} ms)"));

        var sendingPeak = Process.GetCurrentProcess().PeakWorkingSet64;
        var first = await RunAsync(api, gateway, ct);
        var adds = first.Plan.GetProperty("adds").GetInt32();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first sync of the webhook cohort: {first.Status}, {adds:N0} adds, in {first.Seconds:F1} s (applying the messages included); {first.Transactions:N0} table transactions; peak working set during the run {first.PeakMiB:F0} MiB (the process's peak while sending was {sendingPeak / (1024.0 * 1024):F0} MiB)"));

        // (3) 1% churn by webhooks (half leave, as many new enter), then the next run.
        var churn = members / 200;
        var moved = await sender.SendAsync(new WebhookPlan(url, "c", 2, Entered: Ids(members, churn), Exited: Ids(0, churn), Headers: headers, BatchSize: 1000, SyncId: "churn"), ct);
        var second = await RunAsync(api, gateway, ct);
        var (adds2, removes2) = (second.Plan.GetProperty("adds").GetInt32(), second.Plan.GetProperty("removes").GetInt32());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"next sync after 1% churn ({moved.Acknowledged:N0} messages): {second.Status}, {adds2:N0} adds, {removes2:N0} removes, in {second.Seconds:F1} s; {second.Transactions:N0} table transactions; peak working set during the run {second.PeakMiB:F0} MiB"));
        return adds == members && adds2 == churn && removes2 == churn && latency.Acknowledged == latency.Messages ? 0 : 1;
    }

    // The run's peak working set: the sender's data is collected first and the kernel's high-water mark (VmHWM, which
    // PeakWorkingSet64 reads) is reset through /proc/self/clear_refs, so the peak is the run's (the host is in this process).
    private static async Task<(string? Status, JsonElement Plan, double Seconds, long Transactions, double PeakMiB)> RunAsync(HttpClient api, TableGateway gateway, CancellationToken ct)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        if (File.Exists("/proc/self/clear_refs"))
        {
            await File.WriteAllTextAsync("/proc/self/clear_refs", "5", ct);
        }

        var before = gateway.Transactions;
        var watch = Stopwatch.StartNew();
        using var started = await api.PostAsync(new Uri("api/syncs/bench/runs", UriKind.Relative), null, ct);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("runId").GetString()!;
        while (true)
        {
            var view = await api.GetFromJsonAsync<JsonElement>(new Uri("api/runs/" + runId, UriKind.Relative), ct);
            var run = view.GetProperty("run");
            var status = run.GetProperty("status").GetString();
            if (status is not ("Pending" or "Sending"))
            {
                using var self = Process.GetCurrentProcess();
                return (status, run.GetProperty("plan"), watch.Elapsed.TotalSeconds, gateway.Transactions - before, self.PeakWorkingSet64 / (1024.0 * 1024));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static string[] Ids(int from, int count) => [.. Enumerable.Range(from, count).Select(i => "user-" + i.ToString("D8", CultureInfo.InvariantCulture))];

    private static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int Option(string[] args, string name, int fallback)
    {
        var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return value is null ? fallback : int.Parse(value, CultureInfo.InvariantCulture);
    }

    private static void Log(string message) => Console.Error.WriteLine("webhookbench: " + message);
}
