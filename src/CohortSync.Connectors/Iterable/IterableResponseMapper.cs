using CohortSync.Core.Identity;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// Maps <c>failedUpdates</c> of a bulk list update back to the changes that were sent. Iterable answers 200 with the failed
/// identifiers by category; each becomes a rejected member with the category's reason, except on unsubscribe, where a user
/// Iterable does not know is not on the list either, so the remove has what it wanted and counts as done (a rejected remove
/// would keep the member in the baseline and be retried, and refused, on every later run), and except a subscribe of a
/// user Iterable has forgotten (GDPR), which is skipped: Iterable will refuse that user for good, so a rejection would
/// send their fields again on every run; it is settled as accepted and counted apart (<see cref="IterableBulkOutcome.Forgotten"/>).
/// </summary>
public static class IterableResponseMapper
{
    /// <summary>A user Iterable does not know (subscribe with <c>updateExistingUsersOnly</c>, or a user id alone in an email-based project).</summary>
    public const string NotFound = "not found in Iterable";

    /// <summary>A user id Iterable refused.</summary>
    public const string InvalidUserId = "invalid userId: refused by Iterable";

    /// <summary>An email Iterable refused (for example a TLD not on IANA's list).</summary>
    public const string InvalidEmail = "invalid email: refused by Iterable";

    /// <summary>A user deleted from Iterable by a privacy request (GDPR "forget"): skipped, not rejected.</summary>
    public const string Forgotten = "forgotten in Iterable (GDPR)";

    /// <summary>An email and a user id that belong to different Iterable users.</summary>
    public const string Conflict = "conflicts with another Iterable user";

    /// <summary>Carried fields Iterable refused (a type clash with the project's fields).</summary>
    public const string InvalidData = "carried fields refused by Iterable";

    /// <summary>Maps one answer.</summary>
    /// <param name="sent">The changes in the request: their index in the send request and their key.</param>
    /// <param name="response">Iterable's answer.</param>
    /// <param name="unsubscribe">True for <c>/api/lists/unsubscribe</c>.</param>
    public static IterableBulkOutcome Map(IReadOnlyList<(int Index, DestinationKey Key)> sent, IterableBulkUpdateResponse response, bool unsubscribe)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(response);

        // User ids are case-sensitive in Iterable; emails are compared without case, in case Iterable echoes them normalised.
        var byUserId = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var byEmail = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (index, key) in sent)
        {
            var map = key.Kind == KeyKind.Email ? byEmail : byUserId;
            if (!map.TryGetValue(key.Value, out var indexes))
            {
                map[key.Value] = indexes = [];
            }

            indexes.Add(index);
        }

        var failed = response.FailedUpdates;
        var categories = new (IReadOnlyList<string>? Values, bool Email, string Reason)[]
        {
            (failed?.InvalidUserIds, false, InvalidUserId),
            (response.InvalidUserIds, false, InvalidUserId),
            (failed?.InvalidEmails, true, InvalidEmail),
            (response.InvalidEmails, true, InvalidEmail),
            (failed?.NotFoundUserIds, false, NotFound),
            (failed?.NotFoundEmails, true, NotFound),
            (failed?.ForgottenUserIds, false, Forgotten),
            (failed?.ForgottenEmails, true, Forgotten),
            (failed?.ConflictUserIds, false, Conflict),
            (failed?.ConflictEmails, true, Conflict),
            (failed?.InvalidDataUserIds, false, InvalidData),
            (failed?.InvalidDataEmails, true, InvalidData),
        };

        var rejections = new List<MemberRejection>();
        var settled = new HashSet<int>();
        var absent = 0;
        var forgotten = new List<MemberRejection>();
        foreach (var (values, email, reason) in categories)
        {
            foreach (var value in values ?? [])
            {
                if (value is null || !(email ? byEmail : byUserId).TryGetValue(value, out var indexes))
                {
                    continue;
                }

                foreach (var index in indexes.Where(settled.Add))
                {
                    if (unsubscribe && reason is NotFound or Forgotten)
                    {
                        absent++;
                    }
                    else if (reason is Forgotten)
                    {
                        forgotten.Add(new MemberRejection(index, reason));
                    }
                    else
                    {
                        rejections.Add(new MemberRejection(index, reason));
                    }
                }
            }
        }

        rejections.Sort((a, b) => a.Index.CompareTo(b.Index));
        forgotten.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new IterableBulkOutcome(rejections, absent, Math.Max(0, response.FailCount - settled.Count), forgotten);
    }
}
