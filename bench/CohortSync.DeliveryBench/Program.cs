using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CohortSync.Azure.Tables;
using CohortSync.Connectors.Common;
using CohortSync.Core.Application;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.DeliveryBench;
using CohortSync.LocalHost;
using CohortSync.Testing;
using CohortSync.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Delivery benchmark: one full sync per destination through the real engine (Azurite, the local runner, the real
// connectors over HTTP) against its sandbox held to the destination's rate limit. See README.md beside this file.
var options = DeliveryOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(DeliveryOptions.Usage);
    return 2;
}

Console.WriteLine($"CohortSync delivery benchmark: {(options.Quick ? "quick" : "full")} mode, about {options.Seconds.ToString(CultureInfo.InvariantCulture)} s of sends a destination, "
    + $"sync batch size {(options.BatchSize?.ToString(CultureInfo.InvariantCulture) ?? "default (the destination's preferred size, else 1000)")}, {Environment.ProcessorCount} cores");
Console.WriteLine("Baseline: each destination's rate limit itself (100%). Goal: at least 97% of it sustained, no request over it, no member lost.");
Console.WriteLine();

var rows = new List<Row>();
foreach (var scenario in Scenario.All.Where(s => options.Only is null || options.Only.Contains(s.Type)))
{
    try
    {
        rows.Add(await Bench.RunAsync(scenario, options));
    }
    catch (Exception ex) when (ex is not OutOfMemoryException)
    {
        Console.WriteLine($"{scenario.Type}: FAILED: {ex}");
        rows.Add(Row.Failed(scenario.Type));
    }
}

if (rows.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine(Row.Table(rows));
}

// The unknown-limit row: a vendor limit ten times below the destination's, answered with bare 429s; fixed rate against adaptive.
IReadOnlyList<UnknownLimitRow> unknown = [];
if (options.Only is null || options.Only.Contains(UnknownLimit.Name))
{
    unknown = await UnknownLimit.RunAsync(options);
    Console.WriteLine();
    Console.WriteLine(UnknownLimit.Table(unknown));
}

return rows.All(r => r.MeetsGoal) && unknown.Where(r => r.Mode.StartsWith("adaptive", StringComparison.Ordinal)).All(r => r.MeetsGoal) ? 0 : 1;

/// <summary>Command-line options.</summary>
internal sealed record DeliveryOptions(bool Quick, double Seconds, IReadOnlySet<string>? Only, int? BatchSize, int? Members)
{
    public const string Usage = """
        usage: CohortSync.DeliveryBench [--quick] [--seconds S] [--only braze,iterable,pushwoosh,productboard,webhook,unknown-limit]
                                        [--batch-size N] [--members N]
          --quick        about 3 s of sends a destination (a smoke run); default about 20 s
          --seconds S    target length of each send phase: the cohort is sized so requests = limit x S
                         (the unknown-limit runs send for about 2 x S at the hidden limit, 12 s at least)
          --only         run these destinations (and unknown-limit: fixed rate against adaptive) only
          --batch-size N the sync's batchSize (default: the destination's preferred size, else 1000; connectors cap it)
          --members N    cohort size for every destination run (overrides the sizing)
        """;

    public static DeliveryOptions? Parse(string[] args)
    {
        bool quick = false;
        double? seconds = null;
        HashSet<string>? only = null;
        int? batchSize = null, members = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(args[i] + " needs a value");
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--only": only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal); break;
                case "--batch-size": batchSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--members": members = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        return new DeliveryOptions(quick, seconds ?? (quick ? 3 : 20), only, batchSize, members);
    }
}

/// <summary>One destination's result.</summary>
internal sealed record Row(
    string Destination,
    double Limit,
    int Members,
    int Requests,
    double Seconds,
    double RequestsPerSecond,
    int Violations,
    int Lost,
    bool Completed)
{
    public const double Goal = 0.97;

    public double Share => Limit > 0 ? RequestsPerSecond / Limit : 0;

    public double MembersPerSecond => Seconds > 0 ? (Members - Lost) / Seconds : 0;

    public bool MeetsGoal => Completed && Share >= Goal && Violations == 0 && Lost == 0;

    public static Row Failed(string destination) => new(destination, 0, 0, 0, 0, 0, 0, 0, false);

    public static string Table(IReadOnlyList<Row> rows)
    {
        static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine("| destination | limit (req/s) | members | requests | seconds | req/s | % of limit | members/s | violations | lost | goal (>= 97%, 0, 0) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        text.AppendLine("| baseline: the limit | | | | | = limit | 100.0% | | 0 | 0 | |");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Destination} | {F(r.Limit, "0.0")} | {r.Members:N0} | {r.Requests:N0} | {F(r.Seconds, "0.00")} | {F(r.RequestsPerSecond, "0.0")} | {F(r.Share * 100, "0.0")}% | {F(r.MembersPerSecond, "N0")} | {r.Violations} | {r.Lost} | {(r.MeetsGoal ? "met" : r.Completed ? "MISSED" : "RUN FAILED")} |");
        }

        return text.ToString();
    }
}

/// <summary>Runs one destination's benchmark.</summary>
internal static class Bench
{
    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture);

    private static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Pct(double part, double whole) => whole > 0 ? (part / whole * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    public static async Task<Row> RunAsync(Scenario scenario, DeliveryOptions options)
    {
        Console.WriteLine($"== {scenario.Type}");
        await using var azurite = await Azurite.StartAsync();
        await using var sandbox = await RecordingSandbox.StartAsync();
        var work = Directory.CreateTempSubdirectory("cohortsync-deliverybench-").FullName;
        try
        {
            var events = new EngineEvents();
            var calls = new ConcurrentQueue<StoreCall>();
            var prefix = "b" + Guid.NewGuid().ToString("N")[..12];
            var builder = LocalHostBuilder.Create(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:TablePrefix"] = prefix,
                ["Engine:TaskHub"] = "hub" + prefix,
                ["Engine:PartitionCount"] = "1",
            });
            // The host logs at Warning and above; the breakdown reads CohortSync's Information events (run prepared, batch
            // sent), so this provider alone takes them.
            builder.Logging.AddProvider(events);
            builder.Logging.AddFilter<EngineEvents>("CohortSync", LogLevel.Information);
            var configuration = builder.Configuration;
            var services = builder.Services;
            services.AddSingleton<ISyncStore>(sp => TimedSyncStore.Wrap(sp.GetRequiredService<TableStateStore>(), calls));
            using var host = builder.Build();
            await host.StartAsync();
            var provider = host.Services;

            var limit = scenario.ConnectorLimit(provider);
            scenario.Limit(sandbox, limit);
            var members = options.Members ?? Size(limit * options.Seconds / scenario.RequestsPerMember);
            var seedWatch = Stopwatch.StartNew();
            var sync = await scenario.ArrangeAsync(
                provider, configuration, sandbox, limit, members, Path.Combine(work, "cohort.csv"), "bench-" + scenario.Type + "-sync", "delivery benchmark to " + scenario.Type, options.BatchSize, CancellationToken.None);
            var store = provider.GetRequiredService<ISyncStore>();
            Console.WriteLine($"   limit {limit.ToString("0.###", CultureInfo.InvariantCulture)} req/s ({scenario.LimitSource}), sandbox bucket {scenario.Burst(sandbox).ToString(CultureInfo.InvariantCulture)}; "
                + $"{members:N0} members seeded and written in {S(seedWatch.Elapsed.TotalSeconds)} s");

            // One full sync through the real engine, as EngineHarness.RunAsync does.
            var runs = provider.GetRequiredService<RunService>();
            var engine = provider.GetRequiredService<DurableWorkflowEngine>();
            var started = Stopwatch.GetTimestamp();
            var start = await runs.StartAsync(sync.Id, RunMode.Incremental);
            await engine.WaitAsync(start.Run.RunId).WaitAsync(TimeSpan.FromMinutes(15));
            var finished = Stopwatch.GetTimestamp();
            var run = (await store.GetRunAsync(start.Run.RunId))!.Value;

            var membership = run.Plan?.ContainerId is { } container ? await scenario.MembershipAsync(sandbox, container) : new HashSet<string>();
            var expected = Enumerable.Range(0, members).Select(scenario.Expected).ToHashSet(StringComparer.Ordinal);
            var lost = expected.Count(k => !membership.Contains(k));
            var extra = membership.Count(k => !expected.Contains(k));

            var sends = sandbox.Arrivals.Where(scenario.IsSend).OrderBy(a => a.At).ToList();
            var window = sends.Count > 1 ? Seconds(sends[^1].At - sends[0].At) : 0;
            // The sustained rate: requests the vendor accepted (a refused one delivers nothing), between the first and last
            // send request it saw.
            var accepted = sends.Count(a => a.Status != 429);
            var rate = window > 0 ? Math.Max(0, accepted - 1) / window : 0;
            var row = new Row(scenario.Type, limit, members, sends.Count, window, rate, scenario.Violations(sandbox), lost, run.Status == RunStatus.Completed);

            Console.WriteLine($"   run {run.Status} in {S(Seconds(finished - started))} s: plan {run.Plan?.Adds:N0} adds in {run.Plan?.BatchCount:N0} batches; "
                + $"outcome {run.Outcome?.Accepted:N0} accepted, {run.Outcome?.Rejected:N0} rejected, {run.Outcome?.Failed:N0} failed; sandbox holds {membership.Count:N0} ({extra} not in the cohort)"
                + (run.Error is null ? string.Empty : "; error: " + run.Error));
            if (scenario.ViolationNote is { } note)
            {
                Console.WriteLine("   violations: " + note);
            }

            Explain(scenario, run, limit, sends, sandbox, events, calls, started, finished);
            Console.WriteLine($"   => {row.Requests:N0} requests in {S(window)} s = {rate.ToString("0.0", CultureInfo.InvariantCulture)} req/s, {Pct(rate, limit)} of the limit; "
                + $"{row.Violations} violations, {lost} lost: goal {(row.MeetsGoal ? "met" : "MISSED")}");
            Console.WriteLine();
            return row;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Rounds a cohort size to whole batches of a thousand (or tens, for a per-member destination).
    private static int Size(double members) => members >= 10_000
        ? (int)(Math.Round(members / 1000) * 1000)
        : Math.Max(10, (int)(Math.Round(members / 10) * 10));


    /// <summary>
    /// Where the send phase's time went. The workflow sends the batches in K lanes (RunPlan.MaxParallelSends, fewer for fewer
    /// batches), one batch at a time in each, and each lane owns every K-th moment of a grid the credential's rate draws on
    /// the clock (SharePacer): lane s sends at (m x K + s) / rate, with rate = SafetyMargin x limit. A lane misses a moment
    /// when the engine's round trip between two of its batches, plus the next batch's reads before its first request, is
    /// longer than the lane's period K / rate; a lane with no batch left offers moments nobody takes.
    /// </summary>
    private static void Explain(
        Scenario scenario,
        RunRecord run,
        double limit,
        List<Arrival> sends,
        RecordingSandbox sandbox,
        EngineEvents events,
        ConcurrentQueue<StoreCall> calls,
        long started,
        long finished)
    {
        if (run.Plan is not { } plan || sends.Count < 2)
        {
            return;
        }

        var log = events.Events.ToList();
        var prepared = log.FirstOrDefault(e => e.Id == 1000)?.At ?? started;
        var batchSent = log.Where(e => e.Id == 1001).ToList();
        var requestsByBatch = batchSent.ToDictionary(e => Convert.ToInt32(e.Values["Batch"], CultureInfo.InvariantCulture), e => Convert.ToInt32(e.Values["Requests"], CultureInfo.InvariantCulture));
        var lanes = Math.Max(1, Math.Min(plan.MaxParallelSends, plan.BatchCount));
        var rate = limit * RateLimitRegistry.SafetyMargin;
        var period = lanes / rate;
        var all = calls.ToList();
        var begins = all.Where(c => c.Method == nameof(ISyncStore.GetBatchAsync)).GroupBy(c => c.Batch).ToDictionary(g => g.Key, g => g.Min(c => c.Start));
        var ends = all.Where(c => c.Method == nameof(ISyncStore.SaveBatchOutcomeAsync)).GroupBy(c => c.Batch).ToDictionary(g => g.Key, g => g.Max(c => c.End));
        var spans = begins.Where(b => ends.ContainsKey(b.Key)).Select(b => (Batch: b.Key, Start: b.Value, End: ends[b.Key])).OrderBy(s => s.Start).ToList();
        if (spans.Count == 0)
        {
            return;
        }

        var first = spans.Min(s => s.Start);
        var last = spans.Max(s => s.End);
        var activityWindow = Seconds(last - first);
        var sendWindow = Seconds(sends[^1].At - sends[0].At);
        var offered = sendWindow * rate;
        var requests = requestsByBatch.Values.Sum();
        var sendCalls = all.Where(c => c.Start >= first && c.End <= last && c.Batch >= 0).ToList();
        var storageTime = sendCalls.Sum(c => Seconds(c.End - c.Start));

        // Each batch's time on its lane, from the previous batch's outcome to its own, against its requests' moments: the
        // excess is lane time lost between two batches (the engine's round trip, or the reads of a send that went on).
        var byLane = spans.GroupBy(s => s.Batch % lanes).ToList();
        var excess = byLane.SelectMany(l =>
        {
            var ordered = l.OrderBy(s => s.End).ToList();
            return ordered.Zip(ordered.Skip(1), (a, b) => Seconds(b.End - a.End) - (requestsByBatch.GetValueOrDefault(b.Batch) * period));
        }).Order().ToList();
        var tail = byLane.Sum(l => Seconds(last - l.Max(s => s.End)));

        Console.WriteLine($"   phases: prepare {S(Seconds(prepared - started))} s, sends {S(activityWindow)} s (first to last send activity), "
            + $"commit {S(Seconds(finished - (batchSent.Count > 0 ? batchSent.Max(e => e.At) : prepared)))} s");
        Console.WriteLine($"   sends: {spans.Count:N0} batches, {(requests / (double)spans.Count).ToString("0.00", CultureInfo.InvariantCulture)} requests a batch, in {lanes} lanes; "
            + $"the rate is {RateLimitRegistry.SafetyMargin.ToString(CultureInfo.InvariantCulture)} x limit = one moment every {Ms(1 / rate)} ms, each lane's every {Ms(period)} ms");
        Console.WriteLine($"   moments the lanes offered between the first and last request: {offered.ToString("N0", CultureInfo.InvariantCulture)}; requests {sends.Count:N0} ({Pct(sends.Count - 1, offered)}): "
            + $"missed {Math.Max(0, offered - sends.Count + 1).ToString("N0", CultureInfo.InvariantCulture)}");
        if (excess.Count > 0)
        {
            Console.WriteLine($"   a batch's time on its lane beyond its requests' moments: median {Ms(excess[excess.Count / 2])} ms, 90th percentile {Ms(excess[excess.Count * 9 / 10])} ms, "
                + $"longest {Ms(excess[^1])} ms; {Pct(excess.Count(e => e > period / 2), excess.Count)} of batches missed a moment of their lane");
        }

        Console.WriteLine($"   state-store calls of the sends: {Ms(storageTime / spans.Count)} ms a batch in {(sendCalls.Count / (double)spans.Count).ToString("0.0", CultureInfo.InvariantCulture)} calls; "
            + $"lanes idle after their last batch: {S(tail)} lane-seconds ({Pct(tail, lanes * activityWindow)} of lane time)");

        // The busiest second of the send phase: requests in any one-second window, against the limit.
        var busiest = 0;
        for (int i = 0, j = 0; i < sends.Count; i++)
        {
            while (sends[i].At - sends[j].At >= Stopwatch.Frequency)
            {
                j++;
            }

            busiest = Math.Max(busiest, i - j + 1);
        }

        Console.WriteLine($"   busiest second: {busiest} requests (limit {limit.ToString("0.#", CultureInfo.InvariantCulture)}); 429s answered: {sends.Count(a => a.Status == 429)}");

        // The steady middle of the send phase, without its first and last tenth.
        var lo = sends.Count / 10;
        var hi = sends.Count - 1 - (sends.Count / 10);
        if (hi > lo)
        {
            var middle = (hi - lo) / Seconds(sends[hi].At - sends[lo].At);
            Console.WriteLine($"   middle 80% of requests: {middle.ToString("0.0", CultureInfo.InvariantCulture)} req/s ({Pct(middle, limit)} of the limit); "
                + $"HTTP statuses: {string.Join(", ", sends.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}"
                + $"; by route: {string.Join(", ", sends.GroupBy(a => a.Method + " " + Regex.Replace(a.Path, "[0-9a-f]{32}", "{id}")).Select(g => $"{g.Key} x{g.Count()}"))}");
        }

        if (Environment.GetEnvironmentVariable("DELIVERYBENCH_TRACE") == "1")
        {
            foreach (var span in spans)
            {
                Console.WriteLine($"     batch {span.Batch}: {S(Seconds(span.Start - first))} s + {Ms(Seconds(span.End - span.Start))} ms, {requestsByBatch.GetValueOrDefault(span.Batch)} requests");
            }

            foreach (var arrival in sends)
            {
                Console.WriteLine($"     {S(Seconds(arrival.At - first))} s {arrival.Method} {arrival.Path} {arrival.Status} ({Ms(Seconds(arrival.Done - arrival.At))} ms)");
            }
        }

        var warnings = log.Where(e => e.Level >= LogLevel.Warning).ToList();
        if (warnings.Count > 0)
        {
            Console.WriteLine($"   {warnings.Count} warnings, e.g. {warnings[0].Message}");
        }

        var setUp = sandbox.Arrivals.Where(a => !scenario.IsSend(a) && !a.Path.StartsWith("/_sandbox", StringComparison.Ordinal)).ToList();
        if (setUp.Count > 0)
        {
            Console.WriteLine($"   container set-up (not in the send phase): {string.Join(", ", setUp.GroupBy(a => a.Method + " " + a.Path).Select(g => $"{g.Key} x{g.Count()}"))}");
        }
    }
}
