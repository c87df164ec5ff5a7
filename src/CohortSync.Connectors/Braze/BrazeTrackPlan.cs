using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// Turns a batch into <c>/users/track</c> requests for the attribute modes: one attributes object per member that entered or
/// left (one data point each), at most 75 objects a request, each request's removals before its additions (a profile whose
/// key changed in the same batch, alias then external id, ends in the cohort). An update is not sent: membership did not
/// change, and sending it would cost a data point for nothing.
/// </summary>
public static class BrazeTrackPlan
{
    /// <summary>Braze's cap: 75 objects over <c>attributes</c>, <c>events</c> and <c>purchases</c> a request.</summary>
    public const int MaxObjectsPerRequest = 75;

    /// <summary>The reason for a key <c>/users/track</c> cannot name (the destination's mode changed after Prepare).</summary>
    public const string UnsupportedKind = "Braze /users/track takes external ids, user aliases and emails only";

    /// <summary>Plans a batch.</summary>
    /// <param name="members">The batch, decoded once by Core.</param>
    /// <param name="settings">The destination's settings (mode, attribute names, whether users may be created).</param>
    /// <param name="containerId">The cohort's value in the array (array mode) or its attribute's name (boolean mode).</param>
    /// <param name="maxObjects">Objects per request (Braze's cap by default).</param>
    public static BrazeTrackSendPlan Plan(IReadOnlyList<MemberChange> members, BrazeSettings settings, string containerId, int maxObjects = MaxObjectsPerRequest)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxObjects);
        var unchanged = new List<int>();
        var rejections = new List<MemberRejection>();
        var removes = new List<(BrazeAttributeUpdate Update, int Index)>();
        var adds = new List<(BrazeAttributeUpdate Update, int Index)>();
        foreach (var member in members)
        {
            if (member.Kind == ChangeKind.Update)
            {
                unchanged.Add(member.Index);
                continue;
            }

            // Prepare validated every key; only a kind this endpoint cannot name is refused here.
            if (member.Key.Kind is not (KeyKind.UserId or KeyKind.Alias or KeyKind.Email))
            {
                rejections.Add(new MemberRejection(member.Index, UnsupportedKind));
                continue;
            }

            var remove = member.Kind == ChangeKind.Remove;
            var update = Update(member.Key, settings, containerId, remove);
            (remove ? removes : adds).Add((update, member.Index));
        }

        var requests = new List<BrazeTrackRequest>();
        var all = removes.Concat(adds).ToList();
        for (var start = 0; start < all.Count; start += maxObjects)
        {
            var part = all.Skip(start).Take(maxObjects).ToList();
            var ordered = part.Where(p => IsRemove(p.Update)).Concat(part.Where(p => !IsRemove(p.Update))).ToList();
            requests.Add(new BrazeTrackRequest([.. ordered.Select(p => p.Update)], [.. ordered.Select(p => p.Index)]));
        }

        return new BrazeTrackSendPlan(requests, unchanged, rejections);
    }

    private static BrazeAttributeUpdate Update(DestinationKey key, BrazeSettings settings, string containerId, bool remove) =>
        settings.Mode == BrazeMembershipMode.BooleanAttribute
            ? new BrazeAttributeUpdate(key, containerId, remove ? BrazeAttributeOp.SetFalse : BrazeAttributeOp.SetTrue, containerId, !settings.CreateUsers)
            : new BrazeAttributeUpdate(key, settings.AttributeName, remove ? BrazeAttributeOp.ArrayRemove : BrazeAttributeOp.ArrayAdd, containerId, !settings.CreateUsers);

    private static bool IsRemove(BrazeAttributeUpdate update) => update.Op is BrazeAttributeOp.ArrayRemove or BrazeAttributeOp.SetFalse;
}
