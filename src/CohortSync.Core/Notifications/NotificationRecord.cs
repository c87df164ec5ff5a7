namespace CohortSync.Core.Notifications;

/// <summary>One notification of a run and how its delivery went (on <see cref="Runs.RunRecord.Notifications"/>).</summary>
/// <param name="Target">Which target: <c>sync[i]</c> for the sync's i-th, <c>default[i]</c> for the configured defaults' i-th.</param>
/// <param name="Type"><c>webhook</c>, <c>slack</c> or <c>teams</c>.</param>
/// <param name="Event">The event (<see cref="NotificationEvents"/>).</param>
/// <param name="Delivered">True once the target answered 2xx.</param>
/// <param name="Attempts">Requests made.</param>
/// <param name="At">When the last attempt ended.</param>
/// <param name="Error">Why it was not delivered (the last attempt's status or failure): never a secret or a URL's path.</param>
public sealed record NotificationRecord(string Target, string Type, string Event, bool Delivered, int Attempts, DateTimeOffset At, string? Error = null);
