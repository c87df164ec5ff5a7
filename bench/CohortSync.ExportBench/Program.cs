using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using CohortSync.Azure.Tables;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using CohortSync.ExportBench;
using CohortSync.LocalHost;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Amplitude;
using CohortSync.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// The export benchmark: parse-and-plan throughput (members per second) and peak memory for an Amplitude export with
// properties. The parent process holds Azurite and the sandbox (and the sandbox's members); the measured part runs in a
// child process of this same program, so its peak working set is its own. See README.md beside this file.
if (args.Length > 0 && args[0] == "--child")
{
    return await Child.RunAsync(args[1..]);
}

var members = 2_000_000;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--members" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
    {
        members = n;
    }
    else
    {
        Console.Error.WriteLine("usage: CohortSync.ExportBench [--members N]   (default 2,000,000; a smoke run: --members 20000)");
        return 2;
    }
}

return await Parent.RunAsync(members);

/// <summary>Starts Azurite and the sandbox, seeds the Amplitude cohort, runs the child, prints its figures.</summary>
internal static class Parent
{
    public const string ApiKey = "bench-amplitude-api-key";
    public const string SecretKey = "bench-amplitude-secret-key";
    public const string CohortId = "bench-export-cohort";
    private static readonly string[] Plans = ["free", "trial", "pro", "enterprise"];

    public static async Task<int> RunAsync(int members)
    {
        Console.WriteLine($"CohortSync export benchmark: an Amplitude cohort of {members:N0} members with properties (email, plan), {Environment.ProcessorCount} cores");
        await using var azurite = await Azurite.StartAsync();
        await using var sandbox = await SandboxHost.StartAsync();
        var amplitude = sandbox.Get<AmplitudeSandbox>();
        amplitude.AddProject("us", ApiKey, SecretKey);
        var seeding = Stopwatch.StartNew();
        amplitude.SetCohort("us", ApiKey, CohortId, "Export benchmark cohort", Enumerable.Range(0, members).Select(i => new AmplitudeMember(
            "user-" + i.ToString(CultureInfo.InvariantCulture),
            100_000_000L + i,
            new Dictionary<string, string>(2, StringComparer.Ordinal)
            {
                ["email"] = "member" + i.ToString(CultureInfo.InvariantCulture) + "@example.com",
                ["plan"] = Plans[i % Plans.Length],
            })));
        Console.WriteLine($"parent: Azurite and the sandbox up, {members:N0} members seeded in the Amplitude sandbox in {seeding.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; starting the measured child");

        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }

        foreach (var arg in new[]
        {
            "--child", azurite.ConnectionString, new Uri(sandbox.BaseAddress, "amplitude/us/").ToString(), new Uri(sandbox.BaseAddress, "webhook").ToString(),
            CohortId, ApiKey + ":" + SecretKey, members.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
        Result? result = null;
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(Result.Prefix, StringComparison.Ordinal))
            {
                result = JsonSerializer.Deserialize<Result>(line[Result.Prefix.Length..]);
            }
            else
            {
                Console.WriteLine(line);
            }
        }

        await child.WaitForExitAsync();
        if (child.ExitCode != 0 || result is null)
        {
            Console.WriteLine($"the child process failed (exit {child.ExitCode})");
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine(result.Table());
        return result.Correct ? 0 : 1;
    }
}

/// <summary>What the child measured; one JSON line on its standard output.</summary>
internal sealed record Result(
    int Members,
    int Adds,
    int Batches,
    bool Correct,
    double ExportWaitSeconds,
    int Polls,
    double DownloadSeconds,
    double DownloadMegabytes,
    double PrepareSeconds,
    double FileReadSeconds,
    double PeakWorkingSetMegabytes,
    double WorkingSetBeforeMegabytes,
    double PeakManagedHeapMegabytes,
    double AllocatedMegabytes,
    int Gen0,
    int Gen1,
    int Gen2,
    double GcPauseSeconds,
    long PrepareTransactions,
    long ExportTransactions,
    Phases Phases)
{
    public const string Prefix = "RESULT ";

    public double ParsePlanSeconds => PrepareSeconds - DownloadSeconds;

    public string Table()
    {
        static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);
        return string.Join(
            Environment.NewLine,
            "| members | download (s) | parse+plan (s) | prepare (s) | members/s, prepare | members/s, parse+plan | peak working set (MB) | GC allocated (MB) | table transactions |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            $"| {Members:N0} | {F(DownloadSeconds)} | {F(ParsePlanSeconds)} | {F(PrepareSeconds)} | {F(Members / PrepareSeconds, "N0")} | {F(Members / ParsePlanSeconds, "N0")} | "
                + $"{F(PeakWorkingSetMegabytes, "N0")} | {F(AllocatedMegabytes, "N0")} | {PrepareTransactions:N0} |",
            string.Empty,
            $"download: {F(DownloadMegabytes, "0.0")} MB of CSV in {F(DownloadSeconds)} s ({F(DownloadMegabytes / DownloadSeconds, "0.0")} MB/s: HTTP from the sandbox, which builds the file in the parent process, "
                + "Deflate, 512 KiB pieces written to Table Storage); the export was ready after "
                + $"{F(ExportWaitSeconds)} s and {Polls} polls (not in prepare)",
            $"parse+plan: {F(ParsePlanSeconds)} s = streaming parse, key resolution and snapshot adds {F(Phases.ParseSeconds)} s (of which {F(FileReadSeconds)} s reading the stored file back: table reads, inflate) "
                + $"+ snapshot build, diff and batching {F(Phases.PlanSeconds)} s + storing the batches {F(Phases.StoreSeconds)} s + the rest {F(ParsePlanSeconds - Phases.ParseSeconds - Phases.PlanSeconds - Phases.StoreSeconds - Phases.BeforeDownloadSeconds)} s "
                + $"(and {F(Phases.BeforeDownloadSeconds)} s before the download: reading the run, sync, destination)",
            $"plan: {Adds:N0} adds in {Batches:N0} stored batches; members and adds as expected: {(Correct ? "yes" : "NO")}",
            $"memory: peak working set {F(PeakWorkingSetMegabytes, "N0")} MB (it was {F(WorkingSetBeforeMegabytes, "N0")} MB before prepare), peak managed heap "
                + $"{F(PeakManagedHeapMegabytes, "N0")} MB (sampled every 20 ms), {F(AllocatedMegabytes, "N0")} MB allocated in prepare, GCs gen0/1/2 {Gen0}/{Gen1}/{Gen2}, "
                + $"{F(GcPauseSeconds)} s paused",
            $"table transactions: {PrepareTransactions:N0} in prepare, {ExportTransactions:N0} to set up, request and poll the export");
    }
}

/// <summary>Where Prepare's time went after the download (seconds).</summary>
internal sealed record Phases(double ParseSeconds, double PlanSeconds, double StoreSeconds, double BeforeDownloadSeconds);

/// <summary>The measured process: the real host on Azurite, the activities called directly in workflow order.</summary>
internal static class Child
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (connectionString, amplitudeUrl, webhookUrl, cohortId, credentials, expected) =
            (args[0], args[1], args[2], args[3], args[4], int.Parse(args[5], CultureInfo.InvariantCulture));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = "x" + Guid.NewGuid().ToString("N")[..12],
            ["Secrets:bench-amplitude"] = credentials,
            ["Secrets:bench-webhook-secret"] = "unused: nothing is sent",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddCohortSyncLocalHost(configuration);
        var calls = new System.Collections.Concurrent.ConcurrentQueue<StoreCall>();
        services.AddSingleton<ISyncStore>(sp => TimedSyncStore.Wrap(sp.GetRequiredService<TableStateStore>(), calls));
        services.AddSingleton(sp => new TimedExportStore(new TableExportStore(sp.GetRequiredService<TableGateway>())));
        services.AddSingleton<IExportStore>(sp => sp.GetRequiredService<TimedExportStore>());
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ISyncStore>();
        var tables = provider.GetRequiredService<TableGateway>();
        var exports = provider.GetRequiredService<TimedExportStore>();

        // A webhook destination and an Amplitude-source sync, as `cohortsync apply` would store them.
        var destination = new DestinationDefinition
        {
            Id = "bench-hook",
            Name = "export benchmark webhook",
            Type = "webhook",
            Settings = new Dictionary<string, string> { ["url"] = webhookUrl },
            SecretName = "bench-webhook-secret",
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.SaveDestinationAsync(destination, null);
        var sync = new SyncDefinition
        {
            Id = "bench-export",
            Name = "export benchmark",
            DestinationId = destination.Id,
            Source = new SourceDefinition("amplitude", cohortId, "Export benchmark cohort", new Dictionary<string, string> { ["baseUrl"] = amplitudeUrl }, "bench-amplitude"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
            Carry = [new CarriedField("email", "email")],
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await store.SaveSyncAsync(sync, null);

        // A Pending run record, as RunService.StartAsync writes it, then the activities in the workflow's order.
        var now = DateTimeOffset.UtcNow;
        var runId = RunIds.ForManual(sync.Id, now, RandomNumberGenerator.GetInt32(0x10000));
        await store.SaveSyncStateAsync(new SyncState { SyncId = sync.Id, ActiveRunId = runId }, null);
        await store.SaveRunAsync(
            new RunRecord { RunId = runId, SyncId = sync.Id, Trigger = "manual", Mode = RunMode.Incremental, ExportFirst = true, Status = RunStatus.Pending, CreatedAt = now, UpdatedAt = now },
            null);
        var input = new RunInput(runId, sync.Id, RunMode.Incremental, ExportFirst: true);

        var exportWatch = Stopwatch.StartNew();
        var ticket = await provider.GetRequiredService<StartExportActivity>().RunAsync(input, CancellationToken.None);
        var poll = provider.GetRequiredService<PollExportActivity>();
        var polls = 0;
        while (ticket.State == ExportState.Requested)
        {
            // The workflow waits on a durable timer here; the wait is not part of what is measured.
            await Task.Delay(100);
            ticket = await poll.RunAsync(input, CancellationToken.None);
            polls++;
        }

        exportWatch.Stop();
        if (ticket.State != ExportState.Ready)
        {
            Console.WriteLine($"child: the export ended {ticket.State}, not Ready");
            return 1;
        }

        var exportTransactions = tables.Transactions;
        Console.WriteLine($"child: export ready after {polls} polls; timing PrepareRunActivity");

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var workingSetBefore = self.WorkingSet64;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var pausedBefore = GC.GetTotalPauseDuration();
        var transactionsBefore = tables.Transactions;
        long peakHeap = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var prepareStart = Stopwatch.GetTimestamp();
        var prepareWatch = Stopwatch.StartNew();
        var plan = await provider.GetRequiredService<PrepareRunActivity>().RunAsync(input, CancellationToken.None);
        prepareWatch.Stop();

        // Phases inside Prepare, from the instruments' stamps: the stored file read to its end marks the end of parsing.
        var saveBatches = calls.FirstOrDefault(c => c.Method == nameof(ISyncStore.SaveBatchesAsync));
        var parsed = exports.FileEndAt;
        var phases = new Phases(
            Stopwatch.GetElapsedTime(exports.DownloadEndAt, parsed).TotalSeconds,
            Stopwatch.GetElapsedTime(parsed, saveBatches.Start).TotalSeconds,
            Stopwatch.GetElapsedTime(saveBatches.Start, saveBatches.End).TotalSeconds,
            Stopwatch.GetElapsedTime(prepareStart, exports.DownloadEndAt).TotalSeconds - exports.Download.TotalSeconds);

        await sampling.CancelAsync();
        await sampler;
        self.Refresh();
        const double Mb = 1024 * 1024;
        var result = new Result(
            plan.Members,
            plan.Adds,
            plan.BatchCount,
            plan.Members == expected && plan.Adds == expected && plan.Unmatched == 0 && plan.Invalid == 0 && exports.Downloads == 1,
            exportWatch.Elapsed.TotalSeconds,
            polls,
            exports.Download.TotalSeconds,
            exports.DownloadedBytes / Mb,
            prepareWatch.Elapsed.TotalSeconds,
            exports.FileReads.TotalSeconds,
            self.PeakWorkingSet64 / Mb,
            workingSetBefore / Mb,
            peakHeap / Mb,
            (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / Mb,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2,
            (GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds,
            tables.Transactions - transactionsBefore,
            exportTransactions,
            phases);
        Console.WriteLine(Result.Prefix + JsonSerializer.Serialize(result));
        return 0;
    }
}
