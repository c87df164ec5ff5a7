using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Application;

/// <summary>The timer's work: ask the planner which syncs are due and start one run per due slot.</summary>
public sealed class SchedulerService
{
    private readonly ISyncStore _store;
    private readonly RunService _runs;

    /// <summary>Creates the service.</summary>
    public SchedulerService(ISyncStore store, RunService runs)
    {
        _store = store;
        _runs = runs;
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

        return started;
    }
}
