using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Ports;

/// <summary>
/// One change of a batch as a connector sees it: the stored change decoded once, in Core, before any connector reads it
/// (<see cref="SendRequest.Members"/>), so no connector parses the snapshot format.
/// </summary>
/// <param name="Index">Its position in the request's changes (the index a <see cref="MemberRejection"/> names).</param>
/// <param name="Kind">Add, update or remove.</param>
/// <param name="Key">The destination key Prepare resolved and validated.</param>
/// <param name="Fields">The carried fields by name (for a remove, those it was added with); empty for none.</param>
public sealed record MemberChange(int Index, ChangeKind Kind, DestinationKey Key, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>Decodes a stored change.</summary>
    public static MemberChange Decode(int index, in SnapshotChange change) =>
        new(index, change.Kind, DestinationKey.Decode(change.Entry.Key), MemberPayload.Decode(change.Entry.Payload));

    /// <summary>Decodes stored changes, in order.</summary>
    public static IReadOnlyList<MemberChange> DecodeAll(IReadOnlyList<SnapshotChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var members = new MemberChange[changes.Count];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = Decode(i, changes[i]);
        }

        return members;
    }
}
