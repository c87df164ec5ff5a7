using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>Reads and updates run records and releases a sync's run lock: shared by the activities.</summary>
public sealed class RunRecords
{
    private readonly ISyncStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the helper.</summary>
    public RunRecords(ISyncStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Reads a run, or throws <see cref="NotFoundException"/>.</summary>
    public async Task<Versioned<RunRecord>> GetAsync(string runId, CancellationToken cancellationToken) =>
        await _store.GetRunAsync(runId, cancellationToken) ?? throw new NotFoundException($"run '{runId}' does not exist");

    /// <summary>
    /// Applies a change to a run with optimistic concurrency, re-reading on a lost race. The change returns null to leave the
    /// run as it is. Returns the run as stored.
    /// </summary>
    public async Task<RunRecord> UpdateAsync(string runId, Func<RunRecord, RunRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; ; attempt++)
        {
            var current = await GetAsync(runId, cancellationToken);
            var updated = change(current.Value);
            if (updated is null)
            {
                return current.Value;
            }

            updated = updated with { UpdatedAt = _time.GetUtcNow() };
            try
            {
                await _store.SaveRunAsync(updated, current.ETag, cancellationToken);
                return updated;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Puts a run in a terminal state and releases its sync, once; a run already finished is returned as it is.</summary>
    public async Task<RunRecord> FinishAsync(string runId, Func<RunRecord, RunRecord> finish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finish);
        var now = _time.GetUtcNow();
        var run = await UpdateAsync(runId, r => r.Status.IsTerminal() ? null : finish(r) with { FinishedAt = now }, cancellationToken);
        await ReleaseAsync(run, cancellationToken);
        return run;
    }

    private Task ReleaseAsync(RunRecord run, CancellationToken cancellationToken) =>
        _store.UpdateSyncStateAsync(
            run.SyncId,
            state => string.Equals(state.ActiveRunId, run.RunId, StringComparison.Ordinal)
                ? state with { ActiveRunId = null, LastRunId = run.RunId, LastRunStatus = run.Status, SourceVersion = Sources.SourceVersions.AfterRun(run, state.SourceVersion) }
                : null,
            cancellationToken);
}
