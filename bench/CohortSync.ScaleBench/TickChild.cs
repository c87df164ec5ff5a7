using System.Diagnostics;
using Azure.Data.Tables;
using CohortSync.Bench;
using CohortSync.Core.Application;
using CohortSync.Core.Runs;
using CohortSync.Durable;
using CohortSync.Bench.Planning;

namespace CohortSync.ScaleBench;

/// <summary>
/// The child <c>tick</c>, run after <c>plan</c> on the same sync, whose baseline then holds the cohort file v2: the sync
/// becomes an every-minute sync and the real scheduler ticks three slots, through the real Durable Task engine.
/// <list type="number">
/// <item>The first slot finds no source version recorded (the plan child ran the activities directly), so it starts a run:
/// it reads, resolves and diffs the whole cohort against the baseline and finds nothing changed. That is what every slot of
/// an unchanged cohort cost before the probe, and what a slot costs whose source cannot tell cheaply.</item>
/// <item>The next two slots find the file as that run recorded it and start nothing: the first of them pays the JIT of its
/// code path, the second is the steady every-minute cost.</item>
/// </list>
/// Then the naive baseline's unchanged tick: reading its one-row-per-member table back, sampled and extrapolated.
/// </summary>
public static class TickChild
{
    public static async Task<ChildReport> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var report = new ChildReport { Mode = "tick" };
        var storage = options.Require(options.Storage, "--storage");
        var prefix = options.Require(options.TablePrefix, "--prefix");
        var syncId = options.Require(options.SyncId, "--sync");
        var churn = new ChurnPlan(options.Members, options.Churn, options.Seed);
        await using var host = new BenchHost(storage, prefix, engine: true);
        await host.StartAsync();
        var store = host.Store;
        var scheduler = host.Get<SchedulerService>();
        var engine = host.Get<DurableWorkflowEngine>();

        // Tables are created (and connections opened) once per process: touch each before the clock starts.
        var sync = await store.GetSyncAsync(syncId, cancellationToken) ?? throw new InvalidOperationException($"sync {syncId} is missing: run setup and plan first");
        _ = await store.GetDestinationAsync(sync.Value.DestinationId, cancellationToken);
        _ = await store.ListSyncStatesAsync(cancellationToken);
        _ = await store.GetBatchAsync("none.20260101T000000.s", 0, cancellationToken);
        _ = await host.Snapshots.GetManifestAsync(syncId, cancellationToken);
        await store.SaveSyncAsync(sync.Value with { Cadence = "minute" }, sync.ETag, cancellationToken);
        var runsBefore = (await store.ListRunsAsync(syncId, 100, cancellationToken)).Count;
        var now = DateTimeOffset.UtcNow;

        // 1. The slot that runs: tick, then the run it started until it is finished.
        var tx = host.Tables.Transactions;
        var watch = Stopwatch.StartNew();
        var started = await scheduler.TickAsync(now, cancellationToken);
        if (started.Count != 1)
        {
            throw new InvalidOperationException($"the first tick started {started.Count} runs, expected 1");
        }

        await engine.WaitAsync(started[0].RunId, cancellationToken);
        report.Set("unchanged_run_s", watch.Elapsed.TotalSeconds);
        report.Set("unchanged_run_tx", host.Tables.Transactions - tx);
        using (var self = Process.GetCurrentProcess())
        {
            report.Set("unchanged_run_peak_mb", self.PeakWorkingSet64 / 1048576.0);
        }

        var run = (await store.GetRunAsync(started[0].RunId, cancellationToken))?.Value ?? throw new InvalidOperationException("the run record is gone");
        if (run.Status != RunStatus.Completed || run.Plan is not { Adds: 0, Removes: 0, Updates: 0 } plan || plan.Members != churn.MembersAfter)
        {
            throw new InvalidOperationException($"the unchanged run is wrong: {run.Status}, plan {run.Plan?.Members} members +{run.Plan?.Adds} -{run.Plan?.Removes} ~{run.Plan?.Updates}, error {run.Error}");
        }

        report.Set("unchanged_run_members", plan.Members);

        // 2 and 3. The next slots: the source is as the run recorded it.
        var previousSlot = (await store.GetSyncStateAsync(syncId, cancellationToken))?.Value.LastScheduledSlot;
        for (var slot = 1; slot <= 2; slot++)
        {
            var at = now.AddMinutes(slot);
            tx = host.Tables.Transactions;
            watch.Restart();
            var none = await scheduler.TickAsync(at, cancellationToken);
            var elapsed = watch.Elapsed;
            var name = slot == 1 ? "tick_cold" : "tick";
            report.Set(name + "_ms", elapsed.TotalMilliseconds);
            report.Set(name + "_tx", host.Tables.Transactions - tx);
            if (none.Count != 0)
            {
                throw new InvalidOperationException($"tick {slot + 1} of an unchanged cohort started {none.Count} run(s)");
            }

            var state = (await store.GetSyncStateAsync(syncId, cancellationToken))?.Value;
            if (state?.LastCheck is not { } check || check.Slot != state.LastScheduledSlot || check.Slot <= previousSlot)
            {
                throw new InvalidOperationException($"tick {slot + 1} did not record its check on the sync's state");
            }

            previousSlot = check.Slot;
        }

        var runsAfter = (await store.ListRunsAsync(syncId, 100, cancellationToken)).Count;
        if (runsAfter != runsBefore + 1)
        {
            throw new InvalidOperationException($"the sync has {runsAfter - runsBefore} new runs, expected 1");
        }

        await NaiveReadBackAsync(report, storage, prefix, syncId, churn, cancellationToken);
        return report;
    }

    // The naive sync keeps one row per member, so telling that nothing changed means reading every row back: a query page
    // holds at most 1,000 rows. The rows the naive child wrote are read back, timed, and extrapolated to the whole cohort.
    private static async Task NaiveReadBackAsync(ChildReport report, string storage, string prefix, string syncId, ChurnPlan churn, CancellationToken cancellationToken)
    {
        var table = new TableServiceClient(storage).GetTableClient(prefix + "NaiveMembers");
        var rows = 0;
        var pages = 0;
        var watch = Stopwatch.StartNew();
        await foreach (var page in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {syncId}"), cancellationToken: cancellationToken).AsPages())
        {
            rows += page.Values.Count;
            pages++;
        }

        var elapsed = watch.Elapsed;
        var totalPages = (churn.MembersAfter + 999) / 1000;
        report.Set("naive_read_rows", rows);
        report.Set("naive_read_pages", pages);
        report.Set("naive_read_s", elapsed.TotalSeconds);
        report.Set("naive_read_total_pages", totalPages);
        report.Set("naive_read_total_s", elapsed.TotalSeconds * totalPages / Math.Max(1, pages));
    }
}
