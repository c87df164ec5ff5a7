using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Application;

/// <summary>The timer's work: ask the planner which syncs are due and start one run per due slot.</summary>
public sealed class SchedulerService
{
    /// <summary>How long a run may stay Pending before the tick starts its workflow again.</summary>
    public static readonly TimeSpan StalePending = TimeSpan.FromMinutes(5);

    private readonly ISyncStore _store;
    private readonly RunService _runs;
    private readonly IWorkflowEngine _engine;

    /// <summary>Creates the service.</summary>
    public SchedulerService(ISyncStore store, RunService runs, IWorkflowEngine engine)
    {
        _store = store;
        _runs = runs;
        _engine = engine;
    }

    /// <summary>Starts the runs due at <paramref name="now"/>; returns the ones this tick started.</summary>
    public async Task<IReadOnlyList<RunRecord>> TickAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var syncs = await _store.ListSyncsAsync(cancellationToken);
        var withState = new List<(Definitions.SyncDefinition, SyncState?)>(syncs.Count);
        foreach (var sync in syncs)
        {
            withState.Add((sync, (await _store.GetSyncStateAsync(sync.Id, cancellationToken))?.Value));
        }

        var started = new List<RunRecord>();
        foreach (var due in SchedulePlanner.GetDue(withState, now))
        {
            var result = await _runs.StartAsync(due.SyncId, RunMode.Incremental, due.Slot, cancellationToken);
            if (result.Started)
            {
                started.Add(result.Run);
            }
        }

        await RestartStalePendingAsync(now, cancellationToken);
        return started;
    }

    // A run whose record was written but whose workflow never started (the process died in between) would hold its sync
    // for ever. Starting it again is safe: both engines skip an instance that exists.
    private async Task RestartStalePendingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var run in await _store.ListUnfinishedRunsAsync(cancellationToken))
        {
            if (run.Status == RunStatus.Pending && now - run.CreatedAt > StalePending)
            {
                await _engine.StartAsync(new Workflow.RunInput(run.RunId, run.SyncId, run.Mode, run.ExportFirst), cancellationToken);
            }
        }
    }
}
