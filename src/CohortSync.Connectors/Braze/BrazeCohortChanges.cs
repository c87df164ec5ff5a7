using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// Turns a batch of snapshot changes into <c>cohort_changes</c> requests. Each request carries at most 1,000 identifiers
/// (Braze counts <c>user_ids</c>, <c>device_ids</c> and <c>aliases</c> together); in each, the remove object comes first and
/// the add object second, so a member whose key changed on the same profile (an alias, then its external id) ends in the
/// cohort. An update (carried fields changed, same key) is sent as an add: Braze takes no fields here, and adding a member
/// again is a no-op for Braze that also catches a profile created since the member was first added.
/// </summary>
public static class BrazeCohortChanges
{
    /// <summary>Braze's cap: "Only 1,000 user_ids, device_ids, and aliases are allowed per request".</summary>
    public const int MaxIdentifiersPerRequest = 1_000;

    /// <summary>The reason for a key the partner import cannot carry (the destination's mode changed after Prepare).</summary>
    public const string UnsupportedKind = "the Braze partner cohort import takes external ids, user aliases and device ids only";

    /// <summary>
    /// Plans the requests for a batch. Keys are not validated again: Prepare ran <see cref="BrazeIdentifierRules.Check(DestinationKey)"/> on
    /// every one; only a kind this endpoint cannot carry is refused (a destination switched to this mode after Prepare).
    /// </summary>
    /// <param name="members">The batch, decoded once by Core, in order.</param>
    /// <param name="maxIdentifiers">Identifiers per request (Braze's cap by default).</param>
    public static BrazeSendPlan Plan(IReadOnlyList<MemberChange> members, int maxIdentifiers = MaxIdentifiersPerRequest)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIdentifiers);
        var requests = new List<BrazeRequestChanges>();
        var rejections = new List<MemberRejection>();
        var adds = new Accumulator();
        var removes = new Accumulator();
        var indexes = new List<int>(Math.Min(maxIdentifiers, members.Count));
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (member.Key.Kind is not (KeyKind.UserId or KeyKind.DeviceId or KeyKind.Alias))
            {
                rejections.Add(new MemberRejection(member.Index, UnsupportedKind));
                continue;
            }

            (member.Kind == ChangeKind.Remove ? removes : adds).Add(member.Key);
            indexes.Add(member.Index);
            if (indexes.Count == maxIdentifiers)
            {
                requests.Add(Flush(removes, adds, indexes));
                indexes = new List<int>(Math.Min(maxIdentifiers, members.Count - i));
            }
        }

        if (indexes.Count > 0)
        {
            requests.Add(Flush(removes, adds, indexes));
        }

        return new BrazeSendPlan(requests, rejections);
    }

    private static BrazeRequestChanges Flush(Accumulator removes, Accumulator adds, List<int> indexes)
    {
        var objects = new List<BrazeCohortChange>(2);
        if (removes.Count > 0)
        {
            objects.Add(removes.Take(shouldRemove: true));
        }

        if (adds.Count > 0)
        {
            objects.Add(adds.Take(shouldRemove: false));
        }

        return new BrazeRequestChanges(objects, indexes);
    }

    private sealed class Accumulator
    {
        private List<string> _userIds = [];
        private List<string> _deviceIds = [];
        private List<BrazeUserAlias> _aliases = [];

        public int Count => _userIds.Count + _deviceIds.Count + _aliases.Count;

        public void Add(DestinationKey key)
        {
            switch (key.Kind)
            {
                case KeyKind.UserId:
                    _userIds.Add(key.Value);
                    break;
                case KeyKind.DeviceId:
                    _deviceIds.Add(key.Value);
                    break;
                default:
                    _aliases.Add(new BrazeUserAlias(key.Value, key.Label!));
                    break;
            }
        }

        public BrazeCohortChange Take(bool shouldRemove)
        {
            var change = new BrazeCohortChange(_userIds, _deviceIds, _aliases, shouldRemove);
            _userIds = [];
            _deviceIds = [];
            _aliases = [];
            return change;
        }
    }
}
