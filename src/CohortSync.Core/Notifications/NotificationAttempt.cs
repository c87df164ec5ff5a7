namespace CohortSync.Core.Notifications;

/// <summary>How one delivery attempt went.</summary>
/// <param name="Delivered">True when the target answered 2xx.</param>
/// <param name="Retryable">True when another attempt may succeed (a dropped connection, a timeout, 408, 429, 5xx).</param>
/// <param name="Error">What went wrong, for the run's record: a status or a failure's kind, never a secret or a URL's path.</param>
public sealed record NotificationAttempt(bool Delivered, bool Retryable, string? Error)
{
    /// <summary>A delivered attempt.</summary>
    public static NotificationAttempt Success { get; } = new(true, false, null);
}
