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
            // A webhook cohort set to sync on change is looked at every minute; its probe starts a run only after a change.
            var cadenceText = Sources.Webhooks.CohortWebhookSource.SyncsOnChange(sync) ? "minute" : sync.Cadence;
            if (!sync.Enabled || state?.ActiveRunId is not null || !Cadence.TryParse(cadenceText, out var cadence, out _))
            {
                continue;
            }

            var slot = cadence.DueSlot(sync.CreatedAt, state?.LastScheduledSlot, now);
            if (slot is not null && (state?.LastScheduledSlot is null || slot > state.LastScheduledSlot))
            {
                due.Add(new DueRun(sync.Id, RunIds.ForSlot(sync.Id, slot.Value), slot.Value));
            }
        }

        return due;
    }
}
