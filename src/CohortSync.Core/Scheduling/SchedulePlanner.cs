using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Scheduling;

/// <summary>Decides which syncs are due at a time. Pure: it reads definitions and states it is given.</summary>
public static class SchedulePlanner
{
    /// <summary>Returns the runs due at <paramref name="now"/>, skipping disabled syncs and syncs with a run under way.</summary>
    public static IReadOnlyList<DueRun> GetDue(IEnumerable<(SyncDefinition Sync, SyncState? State)> syncs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(syncs);
        var due = new List<DueRun>();
        foreach (var (sync, state) in syncs)
        {
            if (!sync.Enabled || state?.ActiveRunId is not null || !TryGetCadence(sync, out var cadence))
            {
                continue;
            }

            if (PendingSlot(cadence, sync, state, now) is { } slot)
            {
                due.Add(new DueRun(sync.Id, RunIds.ForSlot(sync.Id, slot), slot));
            }
        }

        return due;
    }

    /// <summary>
    /// The cadence the scheduler follows for a sync: its own, or every minute for a webhook cohort set to sync on change
    /// (its probe starts a run only after a change). False when the cadence does not parse.
    /// </summary>
    public static bool TryGetCadence(SyncDefinition sync, out Cadence cadence)
    {
        ArgumentNullException.ThrowIfNull(sync);
        var text = Sources.Webhooks.CohortWebhookSource.SyncsOnChange(sync) ? "minute" : sync.Cadence;
        return Cadence.TryParse(text, out cadence, out _);
    }

    /// <summary>The slot of <paramref name="cadence"/> due at <paramref name="now"/> that the scheduler has not started yet, or null.</summary>
    public static DateTimeOffset? PendingSlot(Cadence cadence, SyncDefinition sync, SyncState? state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cadence);
        ArgumentNullException.ThrowIfNull(sync);
        var slot = cadence.DueSlot(sync.CreatedAt, state?.LastScheduledSlot, now);
        return slot is not null && (state?.LastScheduledSlot is null || slot > state.LastScheduledSlot) ? slot : null;
    }
}
