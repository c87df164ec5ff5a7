using System.Text.RegularExpressions;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// What a finished bulk job means for each of its members: every device its status names as failed (<c>errors</c>) or
/// skipped (<c>skipped_devices</c>) is rejected with its reason, except a remove of a user Pushwoosh does not know, which
/// is the desired state (the user does not carry the cohort's value) and so counts as done. When the status counts more
/// failed or skipped devices than it names, the members it does not name cannot be told apart, so they are all rejected
/// (they stay out of the baseline and the next run sends them again, which appending or removing a value twice allows).
/// </summary>
public static partial class PushwooshBulkOutcome
{
    /// <summary>The reason given to members of a job whose status counts failures it does not name.</summary>
    public const string UnnamedReason = "pushwoosh: the bulk job reported users it did not update without naming them";

    /// <summary>The rejections among <paramref name="changes"/>[start, start + count) for a finished job's status.</summary>
    public static IReadOnlyList<MemberRejection> Rejections(IReadOnlyList<TagChange> changes, int start, int count, BulkStatus status)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(status);
        var byUser = new Dictionary<string, TagChange>(count, StringComparer.Ordinal);
        for (var i = start; i < start + count; i++)
        {
            byUser.TryAdd(changes[i].UserId, changes[i]);
        }

        var rejections = new List<MemberRejection>();
        var named = 0;
        foreach (var failure in status.Failures)
        {
            if (failure.UserId is null || !byUser.Remove(failure.UserId, out var change))
            {
                continue;
            }

            named++;
            if (change.Operator == PushwooshConnector.Remove && IsNotFound(failure.Code))
            {
                continue;
            }

            rejections.Add(new MemberRejection(change.Index, ReasonFor(failure.Code, failure.Skipped)));
        }

        if (status.Unsettled is { } reported && reported > named)
        {
            rejections.AddRange(byUser.Values.Select(c => new MemberRejection(c.Index, UnnamedReason)));
        }

        return rejections;
    }

    /// <summary>A reason safe for reports: a vendor code (letters, digits, underscores) in words, never an identifier.</summary>
    public static string ReasonFor(string? code, bool skipped = false) =>
        code is not null && CodePattern().IsMatch(code)
            ? (skipped ? "pushwoosh: skipped: " : "pushwoosh: ") + code.Replace('_', ' ').ToLowerInvariant()
            : skipped ? "pushwoosh: skipped by the bulk job" : "pushwoosh: the user's tags could not be updated";

    private static bool IsNotFound(string? code) =>
        code is not null && code.Replace('-', '_').ToUpperInvariant() is "USER_NOT_FOUND" or "DEVICE_NOT_FOUND" or "NOT_FOUND";

    [GeneratedRegex("^[A-Za-z0-9_]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
