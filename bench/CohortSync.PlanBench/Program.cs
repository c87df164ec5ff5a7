using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CohortSync.Bench;
using CohortSync.Core.Runs;

namespace CohortSync.PlanBench;

/// <summary>
/// The planning benchmark. The parent writes the cohort files, starts a private Azurite (unless --storage), runs each
/// measurement in a child process of this same program, prints the table and cleans up, also on failure or Ctrl+C.
/// Exits 0 when the measurements ran (whether or not the goals were met), 1 on an error, 2 on bad arguments.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("planbench: " + ex.Message);
            await Console.Error.WriteLineAsync(BenchOptions.Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }

        return await BenchMain.RunAsync("planbench", options.ChildMode is not null, async cancellationToken =>
        {
            if (options.ChildMode is not null)
            {
                var report = await Children.RunAsync(options, cancellationToken);
                Console.Out.WriteLine(report.ToLine());
                return 0;
            }

            return await RunParentAsync(options, cancellationToken);
        });
    }

    private static async Task<int> RunParentAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var workDir = Directory.CreateTempSubdirectory("cohortsync-planbench-").FullName;
        var tag = RandomNumberGenerator.GetHexString(8, lowercase: true);
        var prefix = "planbench" + tag;
        var syncId = "bench-" + tag;
        BenchStorage? benchStorage = null;
        using var load = new MachineLoad();
        try
        {
            var churn = new ChurnPlan(options.Members, options.Churn, options.Seed);
            Log($"writing the cohort files to {workDir}");
            var watch = Stopwatch.StartNew();
            var v1 = Path.Combine(workDir, "cohort-v1.csv");
            var v2 = Path.Combine(workDir, "cohort-v2.csv");
            var v1Bytes = CohortCsv.WriteFile(v1, churn.V1());
            var v2Bytes = CohortCsv.WriteFile(v2, churn.V2());
            Log(F($"v1: {churn.Members:N0} members ({v1Bytes / 1048576.0:F1} MB); v2: {churn.MembersAfter:N0} members, -{churn.Removed:N0} +{churn.Added:N0} ({v2Bytes / 1048576.0:F1} MB); {watch.Elapsed.TotalSeconds:F1} s"));

            benchStorage = await BenchStorage.OpenAsync(options.Storage, workDir, prefix, options.Keep, Log, cancellationToken);
            var storage = benchStorage.ConnectionString;
            var storageNote = benchStorage.Note;

            // The naive baseline first, on a fresh emulator (the kindest conditions for its one-row-per-member writes).
            // It and the breakdown use the first repetition's sync id; the breakdown also needs that sync's v1 baseline.
            var first = syncId + "-1";
            Task<ChildReport> Child(string mode) =>
                RunChildAsync(options, mode, options.ChildArguments(mode, storage, workDir, prefix, first, "unused", v1, v2), cancellationToken);
            var naive = await Child("naive");

            // Each repetition plans its own sync (setup, then plan) so that every plan starts from the same baseline.
            var setups = new List<ChildReport>();
            var plans = new List<ChildReport>();
            for (var i = 1; i <= options.Repeat; i++)
            {
                var sync = syncId + "-" + i.ToString(CultureInfo.InvariantCulture);
                var run = RunIds.ForManual(sync, DateTimeOffset.UtcNow, RandomNumberGenerator.GetInt32(0x10000));
                setups.Add(await RunChildAsync(options, "setup", options.ChildArguments("setup", storage, workDir, prefix, sync, run, v1, v2), cancellationToken));
                plans.Add(await RunChildAsync(options, "plan", options.ChildArguments("plan", storage, workDir, prefix, sync, run, v1, v2), cancellationToken));
            }

            var profile = options.Profile ? await Child("profile") : null;

            var text = Report.Render(new ReportInput(options, churn, storageNote, load.Describe(), setups, plans, naive, profile));
            Console.Out.Write(text);
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
                try
                {
                    Directory.Delete(workDir, recursive: true);
                }
                catch (IOException ex)
                {
                    Log($"could not delete {workDir}: {ex.Message}");
                }
            }
        }
    }

    private static Task<ChildReport> RunChildAsync(BenchOptions options, string mode, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(mode, arguments, options.ChildTimeout, Log, cancellationToken);

    private static void Log(string message) => Console.Error.WriteLine("planbench: " + message);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
