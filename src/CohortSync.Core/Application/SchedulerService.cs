using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Scheduling;
using CohortSync.Core.Sources;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Application;

/// <summary>
/// The timer's work: ask the planner which syncs are due and start one run per due slot, unless the sync's source can tell
/// cheaply that it has not changed since the destination was brought in step with it. Then the slot is recorded on the
/// sync's state as checked (<see cref="SyncState.LastCheck"/>) and no run is started, so an every-minute sync of an
/// unchanged cohort costs a few table transactions a minute, not a run.
/// </summary>
public sealed class SchedulerService
{
    /// <summary>How long a run may stay Pending before the tick starts its workflow again.</summary>
    public static readonly TimeSpan StalePending = TimeSpan.FromMinutes(5);

    private readonly ISyncStore _store;
    private readonly RunService _runs;
    private readonly IWorkflowEngine _engine;
    private readonly SourceProbes _probes;
    private readonly TimeProvider _time;
    private readonly ILogger<SchedulerService> _logger;

    /// <summary>Creates the service.</summary>
    public SchedulerService(ISyncStore store, RunService runs, IWorkflowEngine engine, SourceProbes probes, TimeProvider time, ILogger<SchedulerService> logger)
    {
        _store = store;
        _runs = runs;
        _engine = engine;
        _probes = probes;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts the runs due at <paramref name="now"/>; returns the ones this tick started.</summary>
    public async Task<IReadOnlyList<RunRecord>> TickAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // Two queries whatever the number of syncs or runs: the definitions, and every state with its ETag.
        var syncs = await _store.ListSyncsAsync(cancellationToken);
        var states = (await _store.ListSyncStatesAsync(cancellationToken)).ToDictionary(s => s.Value.SyncId, StringComparer.Ordinal);
        var bySync = syncs.ToDictionary(s => s.Id, StringComparer.Ordinal);

        var started = new List<RunRecord>();
        foreach (var due in SchedulePlanner.GetDue(syncs.Select(s => (s, states.GetValueOrDefault(s.Id)?.Value)), now))
        {
            var state = states.GetValueOrDefault(due.SyncId);
            if (state is not null && await RecordIfUnchangedAsync(bySync[due.SyncId], state, due, cancellationToken))
            {
                continue;
            }

            var result = await _runs.StartAsync(due.SyncId, RunMode.Incremental, due.Slot, cancellationToken);
            if (result.Started)
            {
                started.Add(result.Run);
            }
        }

        await RestartStalePendingAsync(states.Values.Select(s => s.Value), now, cancellationToken);
        return started;
    }

    // True when the source still has the version the destination is in step with: the slot is recorded as checked (one
    // conditional write) and no run starts. A lost race on the state (a manual start, another tick) leaves the slot to
    // whoever won it; the next tick looks again.
    private async Task<bool> RecordIfUnchangedAsync(Definitions.SyncDefinition sync, Versioned<SyncState> state, DueRun due, CancellationToken cancellationToken)
    {
        if (state.Value.SourceVersion is not { } known || state.Value.ActiveRunId is not null)
        {
            return false;
        }

        var current = await _probes.GetVersionAsync(sync, cancellationToken);
        if (!string.Equals(current, known, StringComparison.Ordinal))
        {
            return false;
        }

        var note = state.Value.LastRunId is { } lastRun
            ? $"source unchanged since run {lastRun}; no run started"
            : "source unchanged; no run started";
        var check = new SourceCheck(_time.GetUtcNow(), due.Slot, note);
        try
        {
            await _store.SaveSyncStateAsync(state.Value with { LastScheduledSlot = due.Slot, LastCheck = check }, state.ETag, cancellationToken);
        }
        catch (ConcurrencyException)
        {
            return true;
        }

        _logger.SourceUnchanged(sync.Id, state.Value.LastRunId, due.Slot);
        return true;
    }

    // A run whose record was written but whose workflow never started (the process died in between) would hold its sync
    // for ever. Its sync's state names it as the active run, so the states this tick has already read find it: a point read
    // of each run that has held its sync for longer than StalePending (on most ticks, none), instead of a query across the
    // whole run history, which grows for ever. Starting it again is safe: both engines skip an instance that exists.
    private async Task RestartStalePendingAsync(IEnumerable<SyncState> states, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var state in states)
        {
            if (state.ActiveRunId is null || (state.ClaimedAt is { } claimedAt && now - claimedAt <= StalePending))
            {
                continue;
            }

            var run = (await _store.GetRunAsync(state.ActiveRunId, cancellationToken))?.Value;
            if (run is { Status: RunStatus.Pending } && now - run.CreatedAt > StalePending)
            {
                await _engine.StartAsync(new Workflow.RunInput(run.RunId, run.SyncId, run.Mode, run.ExportFirst, run.Notify), cancellationToken);
            }
        }
    }
}
