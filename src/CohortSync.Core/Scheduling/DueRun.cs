namespace CohortSync.Core.Scheduling;

/// <summary>A run the schedule calls for.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="RunId">The run id, derived from the slot: the same tick twice gives the same id.</param>
/// <param name="Slot">The schedule slot.</param>
public sealed record DueRun(string SyncId, string RunId, DateTimeOffset Slot);
