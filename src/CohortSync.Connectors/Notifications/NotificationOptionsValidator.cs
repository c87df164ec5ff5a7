using CohortSync.Core.Notifications;
using Microsoft.Extensions.Options;

namespace CohortSync.Connectors.Notifications;

/// <summary>Checks the <c>Notifications</c> settings at start-up: the default targets as a sync's are checked, and the budget.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = NotificationValidator.Check(options.Defaults.ToList(), "Notifications:Defaults")
            .Select(e => $"{e.Field}: {e.Message}")
            .ToList();
        if (options.MaxAttempts is < 1 or > 10)
        {
            errors.Add("Notifications:MaxAttempts: must be between 1 and 10");
        }

        if (options.FirstRetryDelay < TimeSpan.Zero || options.FirstRetryDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add("Notifications:FirstRetryDelay: must be between 0 and 1 minute");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add("Notifications:RequestTimeout: must be above 0 and at most 1 minute");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
