using System.Globalization;
using CohortSync.Bench.Delivery;
using CohortSync.Bench.Planning;

namespace CohortSync.ScaleBench;

/// <summary>
/// The end-to-end first sync in a process of its own, so its peak working set is the run's (with the sandbox that receives
/// the members and records each of them, in the same process): <c>--members</c> members from a cohort file to the webhook
/// sandbox through the local host's Durable Task engine on the harness's Azurite, at <see cref="LimitVariable"/> requests a
/// second (high, so the engine and storage are what bound it).
/// </summary>
internal static class EngineChild
{
    /// <summary>The environment variable the parent passes the webhook's request limit in.</summary>
    public const string LimitVariable = "COHORTSYNC_SCALEBENCH_ENGINE_LIMIT";

    public static async Task<ChildReport> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var limit = double.Parse(Environment.GetEnvironmentVariable(LimitVariable) ?? "1000", CultureInfo.InvariantCulture);
        var webhook = Scenario.All.Single(s => s.Type == "webhook");
        var result = await Delivery.RunAsync(webhook, options.Storage!, options.TablePrefix + "e", 1, cancellationToken, options.Members, limit);
        var report = new ChildReport { Mode = "engine" };
        report.Set("members", result.Members);
        report.Set("limit", result.Limit);
        report.Set("run_s", result.RunSeconds);
        report.Set("send_s", result.Seconds);
        report.Set("requests", result.Requests);
        report.Set("violations", result.Violations);
        report.Set("lost", result.Lost);
        report.Set("completed", result.Completed ? 1 : 0);
        report.Set("tx", result.Transactions);
        return report;
    }
}
