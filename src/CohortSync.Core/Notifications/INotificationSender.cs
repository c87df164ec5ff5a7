namespace CohortSync.Core.Notifications;

/// <summary>
/// The notification port: one delivery attempt of a message to a target (the connectors' HTTP sender). Retries, backoff
/// and recording are the caller's (<see cref="NotifyRunActivity"/>).
/// </summary>
public interface INotificationSender
{
    /// <summary>
    /// Sends the message once. Never throws for the target's failures (an error status, a refused connection, a missing
    /// secret): the result says what happened; cancelling <paramref name="cancellationToken"/> (the attempt's timeout) throws.
    /// </summary>
    Task<NotificationAttempt> SendAsync(NotificationTarget target, NotificationMessage message, CancellationToken cancellationToken);
}
