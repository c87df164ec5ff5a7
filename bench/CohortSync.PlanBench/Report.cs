using System.Globalization;
using System.Text;
using CohortSync.Bench;

namespace CohortSync.PlanBench;

/// <summary>What the report is made of: one setup and one plan per repetition, one naive run, an optional breakdown.</summary>
public sealed record ReportInput(
    BenchOptions Options,
    ChurnPlan Churn,
    string StorageNote,
    string LoadNote,
    IReadOnlyList<ChildReport> Setups,
    IReadOnlyList<ChildReport> Plans,
    ChildReport Naive,
    ChildReport? Profile);

/// <summary>Renders the plain-text table and the details under it.</summary>
public static class Report
{
    public const double GoalSeconds = 5;
    public const double GoalMegabytes = 600;
    public const int GoalSnapshotTransactions = 100;

    private const int Label = 44;
    private const int Column = 30;

    public static string Render(ReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (o, churn, plans, naive, setups) = (input.Options, input.Churn, input.Plans, input.Naive, input.Setups);
        var setup = setups[0];
        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');
        void Row(string label, string ours, string theirs, string ratio) =>
            text.Append(label.PadRight(Label)).Append(Cell(ours)).Append(Cell(theirs)).Append(ratio).Append('\n');

        // Per repetition, then the median for the table (with the range when there is more than one).
        double[] Each(Func<ChildReport, double> value) => plans.Select(value).ToArray();
        var wall = Each(p => p["planning_s"]);
        var store = Each(p => p["prepare_store_s"] + p["commit_store_s"]);
        var compute = Each(p => p["planning_s"] - p["prepare_store_s"] - p["commit_store_s"]);
        var peak = Each(p => p["peak_ws_mb"]);
        var csTx = Median(Each(p => p["prepare_tx"] + p["commit_tx"]));
        var csSnapshotTx = Each(p => p["prepare_snapshot_tx"] + p["commit_snapshot_tx"]).Max();
        var fullTx = setups.Max(s => s["full_tx"]);
        var plan = plans.OrderBy(p => p["planning_s"]).ElementAt(plans.Count / 2);

        var naiveWall = naive["compute_s"] + naive["storage_s"];
        var extrapolated = naive.Get("extrapolated") > 0;
        var naiveTx = naive["storage_tx"];

        Line($"CohortSync planning benchmark: {churn.Members:N0} members, {o.Churn * 100:0.0#}% churn ({churn.Changes:N0} changes), {Environment.ProcessorCount} cores");
        Line($"(.NET {Environment.Version}; storage: {input.StorageNote}; each measurement in its own child process; CohortSync: median (min-max) of {plans.Count} run(s))");
        Line($"{input.LoadNote}");
        if (o.Warm)
        {
            Line($"--warm: each plan timed in a process that first ran a small sync of its own {Median(Each(p => p["warm_runs"])):0} times (until a run compiled no method)");
        }

        text.Append('\n');
        Row(string.Empty, "CohortSync", "naive baseline", "naive / CohortSync");
        Row("wall time (s)", Seconds(wall), S(naiveWall) + (extrapolated ? " (storage extrapolated)" : string.Empty), Ratio(naiveWall, Median(wall)));
        Row("  parse+resolve+sort+diff / set difference", Seconds(compute), S(naive["compute_s"]), Ratio(naive["compute_s"], Median(compute)));
        Row("  storage", Seconds(store), S(naive["storage_s"]) + (extrapolated ? F($" (extrapolated from {naive["rows_written"]:N0} rows)") : " (measured)"), Ratio(naive["storage_s"], Median(store)));
        Row("  CPU time of the process (s)", Seconds(Each(p => p["prepare_cpu_s"] + p["commit_cpu_s"])), "-", string.Empty);
        Row("peak memory (MB)", Megabytes(peak), M(naive["peak_ws_mb"]), Ratio(naive["peak_ws_mb"], Median(peak)));
        Row(
            "table transactions",
            F($"{csTx:N0} (prepare {Median(Each(p => p["prepare_tx"])):N0}, commit {Median(Each(p => p["commit_tx"])):N0})"),
            F($"{naiveTx:N0} (1 row per member)"),
            Ratio(naiveTx, csTx));
        Row("snapshot transactions (this run)", F($"{csSnapshotTx:N0}"), F($"{naiveTx:N0}"), Ratio(naiveTx, csSnapshotTx));
        var fullRows = Math.Ceiling(setup["full_members"] / 100);
        Row(F($"  full snapshot of {setup["full_members"]:N0} members"), F($"{fullTx:N0} ({setup["full_chunks"]:N0} chunks, {setup["full_mb"]:F1} MB)"), F($"{fullRows:N0}"), Ratio(fullRows, fullTx));

        var missed = new List<string>();
        if (wall.Max() > GoalSeconds)
        {
            missed.Add(F($"time {wall.Max():F2} s > {GoalSeconds} s"));
        }

        if (peak.Max() > GoalMegabytes)
        {
            missed.Add(F($"memory {peak.Max():F0} MB > {GoalMegabytes} MB"));
        }

        if (Math.Max(csSnapshotTx, fullTx) > GoalSnapshotTransactions)
        {
            missed.Add(F($"snapshot transactions {Math.Max(csSnapshotTx, fullTx):N0} > {GoalSnapshotTransactions}"));
        }

        var judged = plans.Count > 1 ? F($" (worst of {plans.Count} runs)") : string.Empty;
        Line($"goal: planning <= {GoalSeconds} s, <= {GoalMegabytes} MB, <= {GoalSnapshotTransactions} snapshot transactions{judged}: {(missed.Count == 0 ? "MET" : "MISSED (" + string.Join("; ", missed) + ")")}");

        text.Append('\n');
        Line($"CohortSync (child 'plan': PrepareRunActivity + CommitRunActivity of the real LocalHost wiring on Table Storage)");
        for (var i = 0; i < plans.Count; i++)
        {
            var p = plans[i];
            Line($"  run {i + 1}: planning {p["planning_s"]:F2} s = prepare {p["prepare_s"]:F2} + commit {p["commit_s"]:F2} (CPU {p["prepare_cpu_s"] + p["commit_cpu_s"]:F2} s); peak {p["peak_ws_mb"]:F0} MB (end of prepare {p["prepare_peak_ws_mb"]:F0} MB, end of commit {p["commit_peak_ws_mb"]:F0} MB); GC pauses {p["gc_pause_s"]:F2} s, gen2 GCs {p["gc_gen2"]:N0}");
        }

        Line($"  the median run ({plan["planning_s"]:F2} s) in detail:");
        Line($"  prepare   {plan["prepare_s"],6:F2} s, of which {plan["prepare_store_s"]:F2} s in the store: {plan["prepare_tx"]:N0} transactions, {plan["prepare_snapshot_tx"]:N0} on snapshots (read {plan["prepare_snapshot_read_chunks"]:N0} chunks, {plan["prepare_snapshot_read_mb"]:F1} MB); GC pauses {plan["prepare_gc_pause_s"]:F2} s; allocated {plan["prepare_allocated_mb"]:N0} MB");
        Line($"  commit    {plan["commit_s"],6:F2} s, of which {plan["commit_store_s"]:F2} s in the store: {plan["commit_tx"]:N0} transactions, {plan["commit_snapshot_tx"]:N0} on snapshots (read {plan["commit_snapshot_read_chunks"]:N0} chunks, {plan["commit_snapshot_read_mb"]:F1} MB; wrote {plan["commit_snapshot_written_chunks"]:N0} chunk(s), {plan["commit_snapshot_written_mb"]:F2} MB); GC pauses {plan["commit_gc_pause_s"]:F2} s; allocated {plan["commit_allocated_mb"]:N0} MB");
        Line($"  (not timed: settling {plan["batches"]:N0} batches as sent took {plan["settle_tx"]:N0} transactions)");
        Line($"  plan      {plan["members"]:N0} members read, baseline {plan["baseline"]:N0}: +{plan["adds"]:N0} -{plan["removes"]:N0} ~{plan["updates"]:N0} in {plan["batches"]:N0} batches (checked against the generated churn)");
        Line($"  manifest  {plan["manifest_members"]:N0} members = base {plan["manifest_base_records"]:N0} records + {plan["manifest_deltas"]:N0} delta(s) of {plan["manifest_delta_records"]:N0} records");
        Line($"  memory    end of prepare: working set {plan["prepare_ws_mb"]:F0} MB, managed heap {plan["prepare_heap_mb"]:F0} MB; end of commit: working set {plan["commit_ws_mb"]:F0} MB, heap {plan["commit_heap_mb"]:F0} MB");
        Line($"            {plan["ws_start_mb"]:F0} MB at start; {plan["allocated_mb"]:N0} MB allocated in all; GC pauses {plan["gc_pause_s"]:F2} s (gen0 {plan["gc_gen0"]:N0}, gen1 {plan["gc_gen1"]:N0}, gen2 {plan["gc_gen2"]:N0})");
        Line($"  baseline  (child 'setup') the full v1 snapshot: {setup["full_members"]:N0} members in {setup["full_chunks"]:N0} chunks ({setup["full_mb"]:F1} MB), {setup["full_tx"]:N0} transactions, committed in {setup["full_commit_s"]:F2} s ({setup["full_store_s"]:F2} s in the store)");

        text.Append('\n');
        Line($"naive baseline (child 'naive': two HashSet<string> of user_id, then one table row per member, 100 rows a batch transaction, one partition)");
        foreach (var section in naive.Sections)
        {
            Line($"  {section.Name,-66} {section.Seconds,7:F2} s");
        }

        if (extrapolated)
        {
            Line($"  storage time EXTRAPOLATED from {naive["rows_written"]:N0} rows ({naive["storage_measured_tx"]:N0} transactions in {naive["storage_measured_s"]:F2} s) to {naive["rows_total"]:N0} rows ({naiveTx:N0} transactions): {naive["storage_s"]:F1} s");
        }
        else
        {
            Line($"  storage time measured: all {naive["rows_total"]:N0} rows written ({naiveTx:N0} transactions)");
        }

        Line($"  (Azurite's latency, run before the CohortSync runs on a fresh emulator; Azure's own per-transaction latency differs)");
        Line($"  memory    peak working set {naive["peak_ws_mb"]:F0} MB ({naive["ws_start_mb"]:F0} MB at start); {naive["allocated_mb"]:N0} MB allocated; GC pauses {naive["gc_pause_s"]:F2} s");
        Line($"  (the naive plan parses v1 again instead of reading its {churn.Members:N0} stored rows back, which would add {Math.Ceiling(churn.Members / 1000.0):N0} query pages; it carries no payload)");

        if (input.Profile is { } profile)
        {
            text.Append('\n');
            Line($"breakdown (child 'profile': the planning steps one at a time on the same v2 file and stored baseline, cold as in a run)");
            foreach (var section in profile.Sections)
            {
                Line($"  {section.Name,-84} {section.Seconds,6:F2} s  ({section.Note})");
            }

            Line($"  (peak working set {profile["peak_ws_mb"]:F0} MB: it holds the key arrays, the packed cohort and the changes at once, so not comparable to 'plan')");
        }

        return text.ToString();
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Seconds(double[] values) =>
        values.Length == 1 ? S(values[0]) : F($"{Median(values):F2} ({values.Min():F2}-{values.Max():F2})");

    private static string Megabytes(double[] values) =>
        values.Length == 1 ? M(values[0]) : F($"{Median(values):F0} ({values.Min():F0}-{values.Max():F0})");

    private static string Cell(string value) => value.Length >= Column - 1 ? value + "  " : value.PadRight(Column);

    private static string S(double seconds) => F($"{seconds:F2}");

    private static string M(double megabytes) => F($"{megabytes:F0}");

    private static string Ratio(double naive, double ours) => ours <= 0 ? "-" : F($"{naive / ours:0.0}x");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
