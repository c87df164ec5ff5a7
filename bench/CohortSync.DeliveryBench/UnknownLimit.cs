using System.Diagnostics;
using System.Globalization;
using System.Text;
using CohortSync.Bench;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Durable;
using CohortSync.LocalHost;
using CohortSync.Sandbox.Iterable;
using CohortSync.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.DeliveryBench;

/// <summary>
/// The unknown-limit row: a vendor whose real limit is ten times below the destination's and who answers 429 with neither
/// <c>Retry-After</c> nor <c>X-RateLimit-*</c>, as Iterable may for list subscribe (it documents no limit). Scaled so a run
/// takes seconds: the destination's limit is 50 a second, the sandbox's hidden one 5 (bucket of 2), one subscribe per batch
/// of 100 members. The same sync runs twice, each on a fresh Azurite, sandbox and host: once with the rate fixed at the
/// destination's limit (<c>adaptiveRate: false</c>, a fixed rate) and once adaptive (the default).
/// </summary>
internal static class UnknownLimit
{
    /// <summary>The name <c>--only</c> takes.</summary>
    public const string Name = "unknown-limit";

    private const double Configured = 50;
    private const double Hidden = 5;
    private const int BatchSize = 100;
    private const string SecretName = "bench-iterable-key";

    /// <summary>Refused share after the first part that the adaptive run must stay under.</summary>
    public const double Goal = 0.05;

    /// <summary>
    /// Runs the fixed-rate baseline and the adaptive run, then the adaptive sync's next run (half as many new members) in a
    /// host of its own, as in another process: it starts from the rate the first stored. Prints each run's detail.
    /// </summary>
    public static async Task<IReadOnlyList<UnknownLimitRow>> RunAsync(DeliveryOptions options)
    {
        // About 2 x --seconds of sends at the hidden limit (40 s in a full run, 12 s at least); the first quarter of it is
        // where the rate is found, the scaled stand-in for a run's "first minute".
        var seconds = Math.Max(12, 2 * options.Seconds);
        var window = seconds / 4;
        var members = options.Members ?? (int)(Hidden * seconds * BatchSize);
        Console.WriteLine($"== {Name}: the destination's limit {Configured.ToString(CultureInfo.InvariantCulture)}/s, the vendor's hidden limit "
            + $"{Hidden.ToString(CultureInfo.InvariantCulture)}/s (10x below) answered with bare 429s; {members:N0} members in batches of {BatchSize}; "
            + $"refusals counted after the first {window.ToString(CultureInfo.InvariantCulture)} s of sends");
        var rows = new List<UnknownLimitRow>();
        foreach (var adaptive in new[] { false, true })
        {
            try
            {
                rows.AddRange(await RunSyncAsync(adaptive, members, window));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.WriteLine($"   {Mode(adaptive, next: false)}: FAILED: {ex}");
                rows.Add(new UnknownLimitRow(Mode(adaptive, next: false), members, 0, 0, 0, 0, 0, 0, 0, members, null, false));
            }
        }

        return rows;
    }

    private static string Mode(bool adaptive, bool next) =>
        !adaptive ? "fixed rate (adaptiveRate: false)" : next ? "adaptive, next run in a new host" : "adaptive (default)";

    // One sync on a fresh Azurite and sandbox: its first run; when adaptive, also its next run in a host of its own.
    private static async Task<List<UnknownLimitRow>> RunSyncAsync(bool adaptive, int members, double window)
    {
        await using var azurite = await Azurite.StartAsync();
        await using var sandbox = await RecordingSandbox.StartAsync();
        var work = Directory.CreateTempSubdirectory("cohortsync-deliverybench-").FullName;
        try
        {
            var iterable = sandbox.Get<IterableSandbox>();
            iterable.ListUpdates.PermitsPerSecond = Hidden;
            iterable.SendRetryAfter = false;
            var prefix = "u" + Guid.NewGuid().ToString("N")[..12];
            var settings = new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:TablePrefix"] = prefix,
                ["Engine:TaskHub"] = "hub" + prefix,
                ["Engine:PartitionCount"] = "1",
                ["Secrets:" + SecretName] = IterableSandbox.DefaultApiKey,

                // The workflow's default retry waits (1, 2, 4, 8 minutes) as seconds, so the fixed-rate run ends in minutes.
                ["Workflow:Retry:FirstInterval"] = "00:00:01",
                ["Workflow:Retry:MaxInterval"] = "00:00:08",
            };
            var cohort = Path.Combine(work, "cohort.csv");
            CohortCsv.WritePlain(cohort, members);
            var rows = new List<UnknownLimitRow>();
            SyncDefinition sync;
            using (var host = LocalHostBuilder.Create(settings).Build())
            {
                await host.StartAsync();
                sync = await ArrangeAsync(host.Services, sandbox, cohort, adaptive);
                rows.Add(await MeasureAsync(host.Services, sandbox, sync, Mode(adaptive, next: false), 0, members, window));
                await host.StopAsync();
            }

            if (adaptive)
            {
                // The next run, in a host of its own: a fresh limiter, which starts near the rate the first run stored.
                CohortCsv.WritePlain(cohort, members + (members / 2));
                using var next = LocalHostBuilder.Create(settings).Build();
                await next.StartAsync();
                rows.Add(await MeasureAsync(next.Services, sandbox, sync, Mode(adaptive, next: true), members, members / 2, window));
                await next.StopAsync();
            }

            return rows;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<SyncDefinition> ArrangeAsync(IServiceProvider provider, RecordingSandbox sandbox, string cohort, bool adaptive)
    {
        var store = provider.GetRequiredService<ISyncStore>();
        var destination = new DestinationDefinition
        {
            Id = "bench-unknown-limit",
            Name = "iterable, limit unknown",
            Type = IterableConnector.TypeName,
            SecretName = SecretName,
            Settings = new Dictionary<string, string>
            {
                ["baseUrl"] = new Uri(sandbox.BaseAddress, "iterable/us/").ToString(),
                ["requestsPerSecond"] = Configured.ToString(CultureInfo.InvariantCulture),
                ["adaptiveRate"] = adaptive ? "true" : "false",
            },
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.SaveDestinationAsync(destination, null);
        var sync = new SyncDefinition
        {
            Id = "bench-unknown-limit-sync",
            Name = "delivery benchmark, unknown limit",
            DestinationId = destination.Id,
            Source = new SourceDefinition("file", cohort, "unknown limit cohort"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
            BatchSize = BatchSize,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.SaveSyncAsync(sync, null);
        return sync;
    }

    // Runs the sync once and measures the subscribes the sandbox saw during the run; members [from, from + count) must be in.
    private static async Task<UnknownLimitRow> MeasureAsync(
        IServiceProvider provider, RecordingSandbox sandbox, SyncDefinition sync, string mode, int from, int count, double window)
    {
        var iterable = sandbox.Get<IterableSandbox>();
        var store = provider.GetRequiredService<ISyncStore>();
        var runs = provider.GetRequiredService<RunService>();
        var engine = provider.GetRequiredService<DurableWorkflowEngine>();
        var started = Stopwatch.GetTimestamp();
        var start = await runs.StartAsync(sync.Id, RunMode.Incremental);
        await engine.WaitAsync(start.Run.RunId).WaitAsync(TimeSpan.FromMinutes(15));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var run = (await store.GetRunAsync(start.Run.RunId))!.Value;
        var state = (await store.GetSyncStateAsync(sync.Id))?.Value;

        var membership = run.Plan?.ContainerId is { } list
            ? iterable.DefaultProject.Members(long.Parse(list, CultureInfo.InvariantCulture))
            : new HashSet<string>();
        var lost = Enumerable.Range(from, count).Count(i => !membership.Contains("userId:user-" + i.ToString(CultureInfo.InvariantCulture)));

        var sends = sandbox.Arrivals.Where(a => a.At >= started && a.Path.EndsWith("/api/lists/subscribe", StringComparison.Ordinal)).OrderBy(a => a.At).ToList();
        var first = sends.Count > 0 ? sends[0].At : 0;
        var cut = first + (long)(window * Stopwatch.Frequency);
        var later = sends.Where(a => a.At >= cut).ToList();
        var sendSeconds = sends.Count > 1 ? (sends[^1].At - first) / (double)Stopwatch.Frequency : 0;
        var laterSeconds = later.Count > 1 ? (later[^1].At - later[0].At) / (double)Stopwatch.Frequency : 0;
        var accepted = sends.Count(a => a.Status == 200);
        var row = new UnknownLimitRow(
            mode,
            count,
            sends.Count,
            sends.Count(a => a.Status == 429),
            later.Count,
            later.Count(a => a.Status == 429),
            sendSeconds > 0 ? accepted / sendSeconds : 0,
            laterSeconds > 0 ? later.Count(a => a.Status == 200) / laterSeconds : 0,
            sendSeconds,
            lost,
            state?.LearnedRequestsPerSecond,
            run.Status == RunStatus.Completed,
            Next: from > 0);
        Console.WriteLine($"   {row.Mode}: run {run.Status} in {elapsed.ToString("0.0", CultureInfo.InvariantCulture)} s"
            + (run.Plan?.LearnedRequestsPerSecond is { } seed ? $" (started from the stored {seed.ToString("0.00", CultureInfo.InvariantCulture)}/s)" : string.Empty)
            + $"; outcome {run.Outcome?.Accepted:N0} accepted, {run.Outcome?.Failed:N0} failed in {run.Outcome?.FailedBatches:N0} batch(es); "
            + $"subscribes {row.Requests:N0}, refused {row.Refused:N0}; after the first {window.ToString(CultureInfo.InvariantCulture)} s {row.LaterRefused:N0} of {row.LaterRequests:N0} refused; "
            + $"lost {lost:N0}; learned rate stored: {(row.Learned is { } l ? l.ToString("0.00", CultureInfo.InvariantCulture) + "/s" : "none")}"
            + (run.Error is null ? string.Empty : "; error: " + run.Error));
        return row;
    }

    /// <summary>The runs as a Markdown table.</summary>
    public static string Table(IReadOnlyList<UnknownLimitRow> rows)
    {
        static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"unknown limit 10x below the destination's ({F(Hidden, "0")}/s hidden, {F(Configured, "0")}/s configured, bare 429s):");
        text.AppendLine("| run | members | subscribes | refused | refused after the first part | accepted/s (all) | accepted/s after the first part | % of the hidden limit (after) | lost | learned rate stored | goal (0 lost; < 5% refused after the first part, the next run's in all) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Members:N0} | {r.Requests:N0} | {r.Refused:N0} ({F(r.Share * 100, "0.0")}%) | {r.LaterRefused:N0} of {r.LaterRequests:N0} ({F(r.LaterShare * 100, "0.0")}%) "
                + $"| {F(r.AcceptedPerSecond, "0.00")} | {F(r.LaterAcceptedPerSecond, "0.00")} | {F(r.LaterAcceptedPerSecond / Hidden * 100, "0.0")}% | {r.Lost:N0} "
                + $"| {(r.Learned is { } l ? F(l, "0.00") + "/s" : "-")} | {(r.MeetsGoal ? "met" : r.Completed ? "MISSED" : "RUN FAILED")} |");
        }

        return text.ToString();
    }
}

/// <summary>One run of the unknown-limit row.</summary>
internal sealed record UnknownLimitRow(
    string Mode,
    int Members,
    int Requests,
    int Refused,
    int LaterRequests,
    int LaterRefused,
    double AcceptedPerSecond,
    double LaterAcceptedPerSecond,
    double Seconds,
    int Lost,
    double? Learned,
    bool Completed,
    bool Next = false)
{
    public double LaterShare => LaterRequests > 0 ? LaterRefused / (double)LaterRequests : 0;

    public double Share => Requests > 0 ? Refused / (double)Requests : 0;

    // A first run may be refused while it finds the rate; the next one starts from it, so its whole run counts.
    public bool MeetsGoal => Completed && Lost == 0 && (Next ? Share : LaterShare) < UnknownLimit.Goal;
}
