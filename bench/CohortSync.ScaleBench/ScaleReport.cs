using System.Globalization;
using System.Text;

namespace CohortSync.ScaleBench;

/// <summary>What the report is made of.</summary>
public sealed record ScaleReportInput(
    ScaleOptions Options,
    string StorageNote,
    string Load,
    string Commit,
    IReadOnlyList<SizeResult> Sizes,
    IReadOnlyList<DeliveryResult> Deliveries,
    TimeSpan Elapsed);

/// <summary>
/// One table: a row per size and measure, CohortSync beside the naive baseline measured in the same run, the ratio, and the
/// goal where the issue sets one. The details that explain each figure follow it.
/// </summary>
public static class ScaleReport
{
    private const double MiB = 1024 * 1024;

    public static string Render(ScaleReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = input.Options;
        var text = new StringBuilder();
        Line(text, $"CohortSync scale harness: {string.Join(", ", input.Sizes.Select(s => s.Size.ToString("N0", CultureInfo.InvariantCulture)))} members, {o.Churn * 100:0.##}% churn, seed {o.Seed}; {Environment.ProcessorCount} cores, .NET {Environment.Version}, commit {input.Commit}");
        Line(text, $"{input.Load}");
        Line(text, $"storage: {input.StorageNote}; each planning measurement in its own child process; harness wall time {input.Elapsed.TotalMinutes:F1} min");
        text.AppendLine();
        text.AppendLine("| size | measure | CohortSync | naive baseline | naive / CohortSync | goal |");
        text.AppendLine("|---:|---|---:|---:|---:|---|");
        foreach (var size in input.Sizes)
        {
            SizeRows(text, size);
        }

        foreach (var d in input.Deliveries)
        {
            DeliveryRows(text, d, input.Sizes.Select(s => s.Churn).ToList());
        }

        text.AppendLine();
        Line(text, $"naive baseline: two HashSet<string> of user_id and their difference (PlanBench's 'naive' child), one table row per member (100 rows a batch transaction; {o.NaiveRows:N0} rows written for real, then extrapolated), read back 1,000 rows a query page; delivery resends the whole cohort each run.");
        Line(text, $"table transactions per run: CohortSync = Prepare + settling the batches + Commit (TableStateStore.Transactions); naive = reading the N stored rows back (N/1,000 pages) + writing the changed rows (changes/100 batches).");
        Line(text, $"bytes: CohortSync = the run's batches and snapshot delta (compressed codec chunks) / the snapshot of N members; naive = changed rows / N rows, each {RowBytes("scale-1000000-abcd-1", 500_000):N0} bytes by Azure's entity size formula.");
        text.AppendLine();
        foreach (var size in input.Sizes)
        {
            Details(text, size);
        }

        return text.ToString();
    }

    private static void SizeRows(StringBuilder text, SizeResult s)
    {
        var n = s.Size.ToString("N0", CultureInfo.InvariantCulture);
        var plans = s.Plans;
        var naive = s.Naive;
        var changes = s.Churn.Changes;

        // Planning: prepare + commit, against the naive difference plus writing the changed rows.
        var planning = plans.Select(p => p["planning_s"]).ToList();
        var perWrite = naive["storage_measured_s"] / Math.Max(1, naive["storage_measured_tx"]);
        var naiveWriteTx = Batches(changes, 100);
        var naivePlanning = naive["compute_s"] + (naiveWriteTx * perWrite);
        var worstTime = planning.Max();
        var peaks = plans.Select(p => p["peak_ws_mb"]).ToList();
        var worstPeak = peaks.Max();
        var (timeGoal, memoryGoal) = s.Size switch
        {
            1_000_000 => ((double?)0.5, (double?)400),
            10_000_000 => (4, 1024),
            _ => ((double?)null, (double?)null),
        };
        Row(text, n, "planning wall time (s): prepare + commit", Median(planning, "F2"), F($"{naivePlanning:F2} (sets {naive["compute_s"]:F2} + {naiveWriteTx:N0} writes)"), Ratio(naivePlanning, Median(planning)),
            timeGoal is { } t ? F($"<= {t:0.#} s: {(worstTime <= t ? "MET" : "MISSED")} (worst {worstTime:F2})") : "-");
        Row(text, n, "planning against the naive parse and set difference alone (s)", Median(planning, "F2"), F($"{naive["compute_s"]:F2}"), Ratio(naive["compute_s"], Median(planning)),
            F($"faster: {(worstTime < naive["compute_s"] ? "MET" : "MISSED")} (worst {worstTime:F2})"));
        Row(text, n, "planning peak memory (MB)", Median(peaks, "F0"), F($"{naive["peak_ws_mb"]:F0}"), Ratio(naive["peak_ws_mb"], Median(peaks)),
            memoryGoal is { } m ? F($"< {m:0} MB: {(worstPeak < m ? "MET" : "MISSED")} (worst {worstPeak:F0})") : "-");

        // Storage per run and in all.
        var runTx = plans.Select(p => p["prepare_tx"] + p["settle_tx"] + p["commit_tx"]).ToList();
        var naiveRunTx = Batches(s.Churn.MembersAfter, 1000) + naiveWriteTx;
        Row(text, n, "table transactions per run", F($"{Median(runTx):F0}"), F($"{naiveRunTx:N0}"), Ratio(naiveRunTx, Median(runTx)), "-");
        var runMb = plans.Select(p => p.Get("batch_mb") + p["commit_snapshot_written_mb"]).ToList();
        var rowBytes = RowBytes(s.SyncId, s.Size / 2);
        var naiveRunMb = changes * (double)rowBytes / MiB;
        Row(text, n, "bytes written per run (MB)", F($"{Median(runMb):F2}"), F($"{naiveRunMb:F2}"), Ratio(naiveRunMb, Median(runMb)), "-");
        var setup = s.Setups[0];
        var naiveStoredMb = s.Churn.MembersAfter * (double)rowBytes / MiB;
        Row(text, n, "bytes stored for the sync's baseline (MB)", F($"{setup["full_mb"]:F1} in {setup["full_chunks"]:F0} chunks"), F($"{naiveStoredMb:F1} in {s.Churn.MembersAfter:N0} rows"), Ratio(naiveStoredMb, setup["full_mb"]), "-");
        var naiveFullS = naive["storage_s"];
        Row(text, n, "first sync: write the whole baseline (s, transactions)", F($"{setup["full_commit_s"]:F2} s, {setup["full_tx"]:F0} tx"),
            F($"{naiveFullS:F1} s, {naive["storage_tx"]:N0} tx{(naive["extrapolated"] > 0 ? " (extrapolated)" : string.Empty)}"), Ratio(naiveFullS, setup["full_commit_s"]), "-");

        // Nothing changed.
        var tick = s.Tick;
        var naiveUnchangedS = naive["parse_v2_s"] + tick["naive_read_total_s"];
        var naiveUnchangedTx = tick["naive_read_total_pages"];
        Row(text, n, "run that finds nothing changed, no probe (s, transactions)", F($"{tick["unchanged_run_s"]:F2} s, {tick["unchanged_run_tx"]:F0} tx"),
            F($"{naiveUnchangedS:F2} s, {naiveUnchangedTx:N0} tx"), Ratio(naiveUnchangedS, tick["unchanged_run_s"]), "-");
        var tickMet = tick["tick_tx"] <= 3 && tick["tick_ms"] <= 200;
        Row(text, n, "every-minute tick, cohort unchanged (ms, transactions)", F($"{tick["tick_ms"]:F0} ms, {tick["tick_tx"]:F0} tx"),
            F($"{naiveUnchangedS * 1000:F0} ms, {naiveUnchangedTx:N0} tx"), Ratio(naiveUnchangedS * 1000, tick["tick_ms"]),
            F($"<= 200 ms, 3 tx: {(tickMet ? "MET" : "MISSED")}"));
    }

    private static void DeliveryRows(StringBuilder text, DeliveryResult d, List<Bench.ChurnPlan> sizes)
    {
        var goal = d.MeetsGoal ? "MET" : d.Completed ? "MISSED" : "RUN FAILED";
        Row(text, F($"{d.Members:N0} sample"), F($"delivery to {d.Destination}: members/s ({d.RequestsPerSecond:F1} req/s of {d.Limit:0.##} limit)"),
            F($"{d.MembersPerSecond:N0}/s = {d.Share * 100:F1}% of limit; {d.Violations} over limit, {d.Lost} lost"), "same rate", "1.0x",
            F($">= {DeliveryResult.Goal * 100:0}% of limit: {goal}"));
        var ours = string.Join("; ", sizes.Select(c => F($"{Short(c.Members)}: {Duration(c.Changes / Math.Max(1e-9, d.MembersPerSecond))}")));
        var theirs = string.Join("; ", sizes.Select(c => F($"{Short(c.Members)}: {Duration(c.MembersAfter / Math.Max(1e-9, d.MembersPerSecond))}")));
        var ratio = sizes.Count > 0 ? sizes[0].MembersAfter / (double)Math.Max(1, sizes[0].Changes) : 0;
        Row(text, "each size", F($"delivery to {d.Destination}: one run's send time"), ours, theirs + " (whole cohort)", F($"{ratio:F0}x"), "-");
    }

    private static void Details(StringBuilder text, SizeResult s)
    {
        Line(text, $"{s.Size:N0} members: files v1+v2 {s.FileBytes / MiB:F0} MB written in {s.FilesSeconds:F1} s; plan checked against the churn (+{s.Churn.Added:N0} -{s.Churn.Removed:N0}) in every run");
        foreach (var (p, i) in s.Plans.Select((p, i) => (p, i + 1)))
        {
            Line(text, $"  plan {i}: {p["planning_s"]:F2} s = prepare {p["prepare_s"]:F2} ({p["prepare_store_s"]:F2} in the store, {p["prepare_tx"]:F0} tx) + commit {p["commit_s"]:F2} ({p["commit_tx"]:F0} tx); settling {p["batches"]:F0} batches {p["settle_tx"]:F0} tx; peak {p["peak_ws_mb"]:F0} MB (end of prepare {p["prepare_peak_ws_mb"]:F0}); CPU {p["prepare_cpu_s"] + p["commit_cpu_s"]:F2} s; GC pauses {p["gc_pause_s"]:F2} s, gen2 {p["gc_gen2"]:F0}; allocated {p["allocated_mb"]:F0} MB");
        }

        var setup = s.Setups[0];
        Line(text, $"  setup: full snapshot of {setup["full_members"]:N0} members, {setup["full_chunks"]:F0} chunks ({setup["full_mb"]:F1} MB), {setup["full_tx"]:F0} tx in {setup["full_commit_s"]:F2} s; setup peak {setup["peak_ws_mb"]:F0} MB");
        var n = s.Naive;
        Line(text, $"  naive: parse v1 {n["parse_v1_s"]:F2} s, parse v2 {n["parse_v2_s"]:F2} s, differences {n["difference_s"]:F2} s; {n["rows_written"]:N0} rows in {n["storage_measured_tx"]:F0} batches took {n["storage_measured_s"]:F2} s; peak {n["peak_ws_mb"]:F0} MB");
        var t = s.Tick;
        Line(text, $"  tick: first slot started a run that read {t["unchanged_run_members"]:N0} members and found nothing changed: {t["unchanged_run_s"]:F2} s, {t["unchanged_run_tx"]:F0} tx, peak {t["unchanged_run_peak_mb"]:F0} MB; next slot {t["tick_cold_ms"]:F0} ms / {t["tick_cold_tx"]:F0} tx (first call of its code), then {t["tick_ms"]:F0} ms / {t["tick_tx"]:F0} tx; naive read-back {t["naive_read_rows"]:N0} rows in {t["naive_read_pages"]:F0} pages, {t["naive_read_s"]:F2} s");
    }

    // Azure's billed entity size: 4 + 2 x (PartitionKey + RowKey) + per property 8 + 2 x name + value (a string: 2 x chars + 4),
    // with the system Timestamp (a DateTime: 8 bytes).
    public static long RowBytes(string partition, int member)
    {
        var userId = "user-" + member.ToString("D7", CultureInfo.InvariantCulture);
        var email = "u" + member.ToString(CultureInfo.InvariantCulture) + "@example.com";
        return 4 + (2 * (partition.Length + userId.Length)) + (8 + (2 * "email".Length) + (2 * email.Length) + 4) + (8 + (2 * "Timestamp".Length) + 8);
    }

    private static long Batches(long rows, int perBatch) => (rows + perBatch - 1) / perBatch;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Median(List<double> values, string format) => values.Count == 1
        ? values[0].ToString(format, CultureInfo.InvariantCulture)
        : F($"{Median(values).ToString(format, CultureInfo.InvariantCulture)} ({values.Min().ToString(format, CultureInfo.InvariantCulture)}-{values.Max().ToString(format, CultureInfo.InvariantCulture)})");

    private static string Ratio(double naive, double ours) => ours > 0 ? F($"{naive / ours:0.0}x") : "-";

    private static string Short(int members) => members switch
    {
        >= 1_000_000 when members % 1_000_000 == 0 => F($"{members / 1_000_000}M"),
        >= 1000 when members % 1000 == 0 => F($"{members / 1000}k"),
        _ => members.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string Duration(double seconds) => seconds switch
    {
        < 120 => F($"{seconds:F1} s"),
        < 7200 => F($"{seconds / 60:F1} min"),
        _ => F($"{seconds / 3600:F1} h"),
    };

    private static void Row(StringBuilder text, string size, string measure, string ours, string naive, string ratio, string goal) =>
        text.Append("| ").Append(size).Append(" | ").Append(measure).Append(" | ").Append(ours).Append(" | ").Append(naive).Append(" | ").Append(ratio).Append(" | ").Append(goal).AppendLine(" |");

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
