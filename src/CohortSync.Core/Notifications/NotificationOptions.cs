namespace CohortSync.Core.Notifications;

/// <summary>
/// Notification settings for every sync, bound from <c>Notifications</c>: targets every sync notifies besides its own,
/// and the delivery budget. A notification is retried within this budget and then recorded as failed; it never holds up
/// or fails a run.
/// </summary>
public sealed class NotificationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Notifications";

    /// <summary>Targets every sync notifies, after its own (<c>Notifications:Defaults:0:Type</c>, ...).</summary>
    public IList<NotificationTarget> Defaults { get; } = [];

    /// <summary>Requests per notification, the first included. <value>Default 3.</value></summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the first retry; each later wait doubles. <value>Default 1 second.</value></summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one request may take. <value>Default 5 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a notification can take with every attempt timing out: the bound on its delay to a run's end.</summary>
    public TimeSpan Budget()
    {
        var total = TimeSpan.Zero;
        var delay = FirstRetryDelay;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            total += RequestTimeout + (attempt < MaxAttempts ? delay : TimeSpan.Zero);
            delay *= 2;
        }

        return total;
    }
}
