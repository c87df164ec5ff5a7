namespace CohortSync.Core.Notifications;

/// <summary>What the notify activity returns: counts only.</summary>
/// <param name="Targets">Targets the event went to (those delivered before, by an earlier attempt of the activity, left out).</param>
/// <param name="Delivered">Of those, delivered.</param>
/// <param name="Failed">Of those, not delivered after their attempts (recorded on the run).</param>
public sealed record NotifyRunResult(int Targets, int Delivered, int Failed);
