using System.Text.Json.Nodes;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// What a batch becomes, before anything is sent: subscribers for adds and updates, subscribers for removes, and the
/// changes refused here (a carried value that does not fit its declared type). Keys are not checked again: Prepare ran
/// <see cref="IterableConnector.Validate(CohortSync.Core.Identity.DestinationKey, string?)"/> on every key, and the batch carries only keys that passed.
/// </summary>
/// <param name="Subscribes">Adds and updates, in batch order.</param>
/// <param name="Unsubscribes">Removes, in batch order.</param>
/// <param name="Rejections">Changes refused before sending, with reasons free of member data.</param>
public sealed record IterableBatchPlan(
    IReadOnlyList<IterablePlannedSubscriber> Subscribes,
    IReadOnlyList<IterablePlannedSubscriber> Unsubscribes,
    IReadOnlyList<MemberRejection> Rejections)
{
    /// <summary>Plans a batch.</summary>
    /// <param name="members">The batch, decoded once in Core.</param>
    /// <param name="fieldTypes">The destination's declared field types.</param>
    /// <param name="preferUserId">Send <c>preferUserId</c> with user-id subscribers.</param>
    public static IterableBatchPlan Of(IReadOnlyList<MemberChange> members, IterableFieldTypes fieldTypes, bool preferUserId)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(fieldTypes);
        var subscribes = new List<IterablePlannedSubscriber>();
        var unsubscribes = new List<IterablePlannedSubscriber>();
        var rejections = new List<MemberRejection>();
        foreach (var member in members)
        {
            if (member.Kind == ChangeKind.Remove)
            {
                unsubscribes.Add(new IterablePlannedSubscriber(member.Index, member.Key, Identify(member.Key)));
            }
            else if (TryDataFields(member.Fields, fieldTypes, out var dataFields, out var reason))
            {
                subscribes.Add(new IterablePlannedSubscriber(member.Index, member.Key, Subscriber(member.Key, dataFields, preferUserId)));
            }
            else
            {
                rejections.Add(new MemberRejection(member.Index, reason!));
            }
        }

        return new IterableBatchPlan(subscribes, unsubscribes, rejections);
    }

    /// <summary>
    /// The subscriber for an add or update: the key (a user id, with <c>preferUserId</c> when asked, or an email) and the
    /// carried fields as <c>dataFields</c>.
    /// </summary>
    public static IterableSubscriber Subscriber(DestinationKey key, IReadOnlyDictionary<string, JsonNode?>? dataFields, bool preferUserId)
    {
        var fields = dataFields is { Count: > 0 } ? dataFields : null;
        return key.Kind == KeyKind.Email
            ? new IterableSubscriber(key.Value, null, fields)
            : new IterableSubscriber(null, key.Value, fields, preferUserId ? true : null);
    }

    /// <summary>
    /// The carried fields as typed <c>dataFields</c>. Carried <c>email</c> and <c>userId</c> are left out: they are
    /// Iterable's identifiers, and sending both ids would let an email-based project overwrite the user id. False, with the
    /// reason, when a value does not fit its declared type.
    /// </summary>
    public static bool TryDataFields(
        IReadOnlyDictionary<string, string> fields, IterableFieldTypes fieldTypes, out IReadOnlyDictionary<string, JsonNode?> dataFields, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(fieldTypes);
        var typed = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        dataFields = typed;
        reason = null;
        foreach (var (name, value) in fields)
        {
            if (name.Equals("email", StringComparison.OrdinalIgnoreCase) || name.Equals("userId", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!fieldTypes.TryConvert(name, value, out var node, out reason))
            {
                return false;
            }

            if (node is not null)
            {
                typed[name] = node;
            }
        }

        return true;
    }

    private static IterableSubscriber Identify(DestinationKey key) =>
        key.Kind == KeyKind.Email ? new IterableSubscriber(key.Value, null) : new IterableSubscriber(null, key.Value);
}
