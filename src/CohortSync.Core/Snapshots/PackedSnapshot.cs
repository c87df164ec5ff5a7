using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// A snapshot held compactly, for planning millions of members: sorted 64-bit hashes, and keys and payloads as UTF-8 in a
/// <see cref="MemberArena"/>; strings are made only for the members that change. Built by <see cref="SnapshotBuilder"/>,
/// diffed against a stored baseline by <see cref="SnapshotDiff.Compute(SnapshotCursor, PackedSnapshot, bool, ICollection{SnapshotChange}?)"/>.
/// About 16 bytes a member plus its UTF-8 key and payload, against about 24 bytes plus two strings as <see cref="SnapshotEntry"/> values.
/// </summary>
public sealed class PackedSnapshot
{
    private readonly ulong[] _hashes;
    private readonly PackedMember[] _members;
    private readonly MemberArena _arena;

    internal PackedSnapshot(ulong[] hashes, PackedMember[] members, MemberArena arena, int count)
    {
        _hashes = hashes;
        _members = members;
        _arena = arena;
        Count = count;
    }

    /// <summary>How many members.</summary>
    public int Count { get; }

    /// <summary>The member at a position, in snapshot order, as an entry (this makes its strings).</summary>
    public SnapshotEntry this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var key = Read(index, out var payload, out var hasPayload);
            return new SnapshotEntry(_hashes[index], Encoding.UTF8.GetString(key), hasPayload ? Encoding.UTF8.GetString(payload) : null);
        }
    }

    internal ulong Hash(int index) => _hashes[index];

    /// <summary>Starts loading the bytes of a member that will be read soon (see <see cref="MemberArena.Prefetch"/>).</summary>
    internal void Prefetch(int index)
    {
        if ((uint)index < (uint)Count)
        {
            _arena.Prefetch(_members[index].Reference);
        }
    }

    internal ReadOnlySpan<byte> Key(int index) => _arena.Key(_members[index].Reference);

    /// <summary>The hash of a member's record bytes (see <see cref="PackedMember.Record"/>).</summary>
    internal ulong Record(int index) => _members[index].Record;

    internal ReadOnlySpan<byte> Read(int index, out ReadOnlySpan<byte> payload, out bool hasPayload) =>
        _arena.Read(_members[index].Reference, out payload, out hasPayload);
}
