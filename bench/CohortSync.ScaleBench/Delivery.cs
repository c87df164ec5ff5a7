using System.Diagnostics;
using CohortSync.Core.Application;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Bench.Delivery;
using CohortSync.LocalHost;
using CohortSync.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.ScaleBench;

/// <summary>One destination's delivery: a sample cohort sent in one full sync against its sandbox held to the limit.</summary>
public sealed record DeliveryResult(
    string Destination,
    double Limit,
    double RequestsPerMember,
    int Members,
    int Requests,
    double Seconds,
    int Violations,
    int Lost,
    bool Completed,
    string? Error,
    double RunSeconds = 0,
    long Transactions = 0)
{
    /// <summary>Time of the run outside its send window: planning, the engine's dispatch of every activity, storage, commit.</summary>
    public double OutsideSendingSeconds => Math.Max(0, RunSeconds - Seconds);

    /// <summary>The share of the run spent outside its send window.</summary>
    public double OutsideSendingShare => RunSeconds > 0 ? OutsideSendingSeconds / RunSeconds : 0;

    public const double Goal = 0.97;

    public double RequestsPerSecond => Seconds > 0 ? (Requests - 1) / Seconds : 0;

    public double Share => Limit > 0 ? RequestsPerSecond / Limit : 0;

    public double MembersPerSecond => Seconds > 0 ? (Members - Lost) / Seconds : 0;

    public bool MeetsGoal => Completed && Share >= Goal && Violations == 0 && Lost == 0;
}

/// <summary>
/// DeliveryBench's scenarios (bench/CohortSync.Bench.Common/Delivery/Scenarios.cs), each run once with a cohort sized
/// so the send phase lasts about <c>--delivery-seconds</c>: one full sync through the real engine and connectors over HTTP
/// to the recording sandbox, on the harness's Table Storage. The send phase is measured where the vendor would measure it,
/// from the first to the last send request the sandbox saw.
/// </summary>
internal static class Delivery
{
    public static async Task<DeliveryResult> RunAsync(
        Scenario scenario, string storage, string tablePrefix, double seconds, CancellationToken cancellationToken, int? fixedMembers = null, double? limitOverride = null)
    {
        await using var sandbox = await RecordingSandbox.StartAsync();
        var work = Directory.CreateTempSubdirectory("cohortsync-scalebench-delivery-").FullName;
        try
        {
            var builder = LocalHostBuilder.Create(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = storage,
                ["Storage:TablePrefix"] = tablePrefix,
                ["Engine:TaskHub"] = "hub" + tablePrefix,
                ["Engine:PartitionCount"] = "1",
            });
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var configuration = builder.Configuration;
            var provider = host.Services;

            var limit = limitOverride ?? scenario.ConnectorLimit(provider);
            scenario.Limit(sandbox, limit);
            var members = fixedMembers ?? Size(limit * seconds / scenario.RequestsPerMember);
            var sync = await scenario.ArrangeAsync(
                provider, configuration, sandbox, limit, members, Path.Combine(work, "cohort.csv"), "scale-" + scenario.Type, "scale harness delivery to " + scenario.Type, batchSize: null, cancellationToken);
            var store = provider.GetRequiredService<ISyncStore>();

            var runs = provider.GetRequiredService<RunService>();
            var engine = provider.GetRequiredService<DurableWorkflowEngine>();
            var tables = provider.GetRequiredService<CohortSync.Azure.Tables.TableStateStore>();
            var transactions = tables.Transactions;
            var runClock = Stopwatch.StartNew();
            var start = await runs.StartAsync(sync.Id, RunMode.Incremental, cancellationToken: cancellationToken);
            await engine.WaitAsync(start.Run.RunId, cancellationToken).WaitAsync(TimeSpan.FromMinutes(30), cancellationToken);
            var runSeconds = runClock.Elapsed.TotalSeconds;
            transactions = tables.Transactions - transactions;
            var run = (await store.GetRunAsync(start.Run.RunId, cancellationToken))!.Value;

            var membership = run.Plan?.ContainerId is { } container ? await scenario.MembershipAsync(sandbox, container) : new HashSet<string>();
            var lost = Enumerable.Range(0, members).Select(scenario.Expected).Count(k => !membership.Contains(k));
            var sends = sandbox.Arrivals.Where(scenario.IsSend).Select(a => a.At).Order().ToList();
            var window = sends.Count > 1 ? (sends[^1] - sends[0]) / (double)Stopwatch.Frequency : 0;
            await host.StopAsync(CancellationToken.None);
            return new DeliveryResult(scenario.Type, limit, scenario.RequestsPerMember, members, sends.Count, window, scenario.Violations(sandbox), lost, run.Status == RunStatus.Completed, run.Error, runSeconds, transactions);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Whole thousands (tens for a destination that takes one member a request), at least two batches' worth.
    private static int Size(double members) => members >= 10_000
        ? (int)(Math.Round(members / 1000) * 1000)
        : Math.Max(20, (int)(Math.Round(members / 10) * 10));

}
