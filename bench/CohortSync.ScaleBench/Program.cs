using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CohortSync.Bench;
using CohortSync.Core.Runs;
using CohortSync.Bench.Delivery;
using CohortSync.Bench.Planning;

namespace CohortSync.ScaleBench;

/// <summary>
/// The scale harness. The parent writes each size's cohort files once, starts a private Azurite (unless --storage), runs
/// every planning measurement in a child process of this same program (PlanBench's setup, plan and naive children, and the
/// tick child), then the delivery scenarios in-process, prints one table and cleans up, also on failure or Ctrl+C.
/// Exits 0 when the measurements ran (whether or not the goals were met), 1 on an error, 2 on bad arguments.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var child = args.Contains("--child");
        ScaleOptions? options = null;
        BenchOptions? childOptions = null;
        try
        {
            if (child)
            {
                childOptions = BenchOptions.Parse(args);
            }
            else
            {
                options = ScaleOptions.Parse(args);
            }
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("scalebench: " + ex.Message);
            await Console.Error.WriteLineAsync(ScaleOptions.Usage);
            return 2;
        }

        if (options?.Help == true)
        {
            Console.WriteLine(ScaleOptions.Usage);
            return 0;
        }

        return await BenchMain.RunAsync("scalebench", child, async cancellationToken =>
        {
            if (childOptions is not null)
            {
                ChildReport report;
                if (childOptions.ChildMode is "tick" or "engine")
                {
                    var workingSet = Environment.WorkingSet;
                    report = childOptions.ChildMode == "tick"
                        ? await TickChild.RunAsync(childOptions, cancellationToken)
                        : await EngineChild.RunAsync(childOptions, cancellationToken);
                    report.AddProcessFigures(workingSet);
                }
                else
                {
                    report = await Children.RunAsync(childOptions, cancellationToken);
                }

                Console.Out.WriteLine(report.ToLine());
                return 0;
            }

            return await RunParentAsync(options!, cancellationToken);
        });
    }

    private static async Task<int> RunParentAsync(ScaleOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var workDir = Directory.CreateTempSubdirectory("cohortsync-scalebench-").FullName;
        var tag = RandomNumberGenerator.GetHexString(8, lowercase: true);
        var prefix = "scale" + tag;
        BenchStorage? benchStorage = null;
        using var load = new MachineLoad();
        try
        {
            benchStorage = await BenchStorage.OpenAsync(options.Storage, workDir, prefix, options.Keep, Log, cancellationToken);
            var storage = benchStorage.ConnectionString;
            var storageNote = benchStorage.Note;

            // Each size on tables of its own, so that the scheduler's tick sees only that size's syncs.
            var sizes = new List<SizeResult>();
            foreach (var (size, i) in options.Sizes.Select((s, i) => (s, i)))
            {
                sizes.Add(await MeasureSizeAsync(options, size, storage, workDir, prefix + "n" + i.ToString(CultureInfo.InvariantCulture), cancellationToken));
            }

            var deliveries = new List<DeliveryResult>();
            if (options.Delivery)
            {
                foreach (var scenario in Scenario.All)
                {
                    Log($"delivery to {scenario.Type} ({options.DeliverySeconds.ToString(CultureInfo.InvariantCulture)} s of sends) ...");
                    var result = await Delivery.RunAsync(scenario, storage, prefix + "d" + scenario.Type[..2], options.DeliverySeconds, cancellationToken);
                    Log(F($"delivery to {scenario.Type}: {result.Members:N0} members, {result.Requests:N0} requests in {result.Seconds:F2} s = {result.Share * 100:F1}% of {result.Limit:0.##} req/s; {result.Violations} violations, {result.Lost} lost{(result.Completed ? string.Empty : ", run " + result.Error)}"));
                    deliveries.Add(result);
                }
            }

            // The end-to-end figure: a first sync of a million members to the webhook, through the Durable Task engine on
            // Azurite, and the share of the run spent outside the sandbox's send window (goal: at most 10%).
            ChildReport? engine = null;
            if (options.EngineMembers > 0)
            {
                // In a child of its own, so its peak working set is the run's (and the sandbox's, which records every member).
                Log(F($"first sync of {options.EngineMembers:N0} members to the webhook on the engine, at {options.EngineLimit:0} requests a second ..."));
                Environment.SetEnvironmentVariable(EngineChild.LimitVariable, options.EngineLimit.ToString("R", CultureInfo.InvariantCulture));
                var engineOptions = BenchOptions.Parse(["--members", options.EngineMembers.ToString(CultureInfo.InvariantCulture)]);
                var arguments = engineOptions.ChildArguments("engine", storage, workDir, prefix, "unused", "unused", "unused", "unused");
                engine = await ChildProcess.RunAsync("engine", arguments, options.ChildTimeout, Log, cancellationToken);
            }

            var text = ScaleReport.Render(new ScaleReportInput(options, storageNote, load.Describe(), Commit(), sizes, deliveries, total.Elapsed));
            if (engine is not null)
            {
                var (run, send) = (engine["run_s"], engine["send_s"]);
                var outside = Math.Max(0, run - send);
                text += F($"\nFirst sync on the Durable Task engine (the local host, Azure Storage backend on the same Azurite), in a process of its own: {engine["members"]:N0} members from a cohort file to the webhook sandbox at {engine["limit"]:0} requests a second: run {run:F2} s, sending {send:F2} s ({engine["requests"]:N0} requests, {(engine["requests"] - 1) / Math.Max(send, 1e-9):F0} a second), outside sending {outside:F2} s = {outside / Math.Max(run, 1e-9) * 100:F1}% of the run; peak working set {engine["peak_ws_mb"]:F0} MB (with the sandbox's record of every member); {engine["tx"]:N0} state-store table transactions; {engine["violations"]:N0} over the limit, {engine["lost"]:N0} lost, {(engine["completed"] > 0 ? "completed" : "NOT completed")}\n");
            }

            Console.Out.Write(text);
            var wrong = deliveries.Where(d => !d.Completed || d.Lost > 0).Select(d => d.Destination).ToList();
            if (engine is not null && (engine["completed"] == 0 || engine["lost"] > 0))
            {
                wrong.Add("the end-to-end first sync");
            }

            if (wrong.Count > 0)
            {
                await Console.Error.WriteLineAsync("scalebench: error: delivery lost members or failed for " + string.Join(", ", wrong));
                return 1;
            }

            return 0;
        }
        finally
        {
            if (benchStorage is not null)
            {
                await benchStorage.DisposeAsync();
            }

            if (options.Keep)
            {
                Log($"kept {workDir}");
            }
            else
            {
                TryDelete(workDir);
            }
        }
    }

    private static async Task<SizeResult> MeasureSizeAsync(ScaleOptions options, int size, string storage, string workDir, string prefix, CancellationToken cancellationToken)
    {
        var planOptions = BenchOptions.Parse(
        [
            "--members", size.ToString(CultureInfo.InvariantCulture),
            "--churn", options.Churn.ToString("R", CultureInfo.InvariantCulture),
            "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
            "--naive-rows", Math.Min(options.NaiveRows, size).ToString(CultureInfo.InvariantCulture),
        ]);
        var churn = new ChurnPlan(size, options.Churn, options.Seed);
        var dir = Directory.CreateDirectory(Path.Combine(workDir, size.ToString(CultureInfo.InvariantCulture))).FullName;
        var v1 = Path.Combine(dir, "cohort-v1.csv");
        var v2 = Path.Combine(dir, "cohort-v2.csv");
        var watch = Stopwatch.StartNew();
        var bytes = CohortFiles.Write(v1, churn.V1()) + CohortFiles.Write(v2, churn.V2());
        var filesSeconds = watch.Elapsed.TotalSeconds;
        Log(F($"{size:N0} members: cohort files v1 and v2 ({bytes / 1048576.0:F0} MB, -{churn.Removed:N0} +{churn.Added:N0}) written in {filesSeconds:F1} s"));

        var syncId = F($"scale-{size}-{prefix[5..9]}");
        var first = syncId + "-1";
        var mode = (string m, string sync, string run) => planOptions.ChildArguments(m, storage, dir, prefix, sync, run, v1, v2);
        var naive = await RunChildAsync(options, size, "naive", mode("naive", first, "unused"), cancellationToken);
        var setups = new List<ChildReport>();
        var plans = new List<ChildReport>();
        for (var i = 1; i <= options.RepeatFor(size); i++)
        {
            var sync = syncId + "-" + i.ToString(CultureInfo.InvariantCulture);
            var run = RunIds.ForManual(sync, DateTimeOffset.UtcNow, RandomNumberGenerator.GetInt32(0x10000));
            setups.Add(await RunChildAsync(options, size, "setup", mode("setup", sync, run), cancellationToken));
            plans.Add(await RunChildAsync(options, size, "plan", mode("plan", sync, run), cancellationToken));
        }

        var tick = await RunChildAsync(options, size, "tick", mode("tick", first, "unused"), cancellationToken);
        if (!options.Keep)
        {
            TryDelete(dir);
        }

        return new SizeResult(size, churn, filesSeconds, bytes, first, naive, setups, plans, tick);
    }

    private static Task<ChildReport> RunChildAsync(ScaleOptions options, int size, string mode, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(F($"{mode} {size:N0}"), arguments, options.ChildTimeout, Log, cancellationToken);

    private static string Commit()
    {
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
            start.ArgumentList.Add("rev-parse");
            start.ArgumentList.Add("--short");
            start.ArgumentList.Add("HEAD");
            using var git = Process.Start(start)!;
            var head = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            if (git.ExitCode != 0 || head.Length == 0)
            {
                return "unknown";
            }

            var status = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
            status.ArgumentList.Add("status");
            status.ArgumentList.Add("--porcelain");
            status.ArgumentList.Add("--untracked-files=no");
            using var changes = Process.Start(status)!;
            var dirty = changes.StandardOutput.ReadToEnd().Trim().Length > 0;
            changes.WaitForExit();
            return dirty ? head + " with uncommitted changes" : head;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException ex)
        {
            Log($"could not delete {dir}: {ex.Message}");
        }
    }

    internal static void Log(string message) => Console.Error.WriteLine("scalebench: " + message);

    internal static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Everything measured for one cohort size.</summary>
public sealed record SizeResult(
    int Size,
    ChurnPlan Churn,
    double FilesSeconds,
    long FileBytes,
    string SyncId,
    ChildReport Naive,
    IReadOnlyList<ChildReport> Setups,
    IReadOnlyList<ChildReport> Plans,
    ChildReport Tick);
