namespace CohortSync.Core.Notifications;

/// <summary>The input of the notify activity.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Event">The event (<see cref="NotificationEvents"/>).</param>
public sealed record NotifyRunInput(string RunId, string Event);
