using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Append-only storage for members' keys and payloads as UTF-8, in large blocks, so a snapshot of millions of members holds
/// a few bytes a member instead of two strings (about 130 bytes a member for a user id and an email, against about 40).
/// A record is a varint key length, the key, a varint (payload length + 1, 0 for none) and the payload: the record layout of
/// <see cref="SnapshotCodec"/> without the tag. A reference is the block index (high 32 bits) and the offset.
/// </summary>
internal sealed class MemberArena
{
    // Blocks double from 4 MiB up to 64 MiB: a 10M-member cohort (about 450 MB) takes 11 large allocations, not 110,
    // and each one on the large object heap counts towards a full collection.
    private const int FirstBlockBytes = 4 * 1024 * 1024;
    private const int LargestBlockBytes = 64 * 1024 * 1024;
    private readonly List<byte[]> _blocks = [];
    private byte[] _current = [];
    private int _used;

    /// <summary>Bytes held by the arena's blocks.</summary>
    public long AllocatedBytes { get; private set; }

    /// <summary>Appends a member and returns its reference.</summary>
    public long Append(string key, string? payload)
    {
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        var payloadBytes = payload is null ? 0 : Encoding.UTF8.GetByteCount(payload);
        var size = 10 + keyBytes + 10 + payloadBytes;
        if (_used + size > _current.Length)
        {
            var next = _blocks.Count == 0 ? FirstBlockBytes : Math.Min(LargestBlockBytes, _current.Length * 2);
            _current = new byte[Math.Max(next, size)];
            _blocks.Add(_current);
            _used = 0;
            AllocatedBytes += _current.Length;
        }

        var reference = ((long)(_blocks.Count - 1) << 32) | (uint)_used;
        var span = _current.AsSpan();
        var pos = _used;
        SnapshotCodec.WriteVarint(span, ref pos, (ulong)keyBytes);
        pos += Encoding.UTF8.GetBytes(key, span[pos..]);
        SnapshotCodec.WriteVarint(span, ref pos, payload is null ? 0 : (ulong)payloadBytes + 1);
        if (payload is not null)
        {
            pos += Encoding.UTF8.GetBytes(payload, span[pos..]);
        }

        _used = pos;
        return reference;
    }

    /// <summary>The key of a record.</summary>
    public ReadOnlySpan<byte> Key(long reference)
    {
        var span = Record(reference, out var pos);
        var length = (int)SnapshotCodec.ReadVarint(span, ref pos);
        return span.Slice(pos, length);
    }

    /// <summary>The key and payload of a record; <paramref name="hasPayload"/> is false for a member carrying nothing.</summary>
    public ReadOnlySpan<byte> Read(long reference, out ReadOnlySpan<byte> payload, out bool hasPayload)
    {
        var span = Record(reference, out var pos);
        var keyLength = (int)SnapshotCodec.ReadVarint(span, ref pos);
        var key = span.Slice(pos, keyLength);
        pos += keyLength;
        var payloadLength = (int)SnapshotCodec.ReadVarint(span, ref pos);
        hasPayload = payloadLength > 0;
        payload = hasPayload ? span.Slice(pos, payloadLength - 1) : default;
        return key;
    }

    /// <summary>
    /// Asks the CPU to start loading a record that will be read soon. Members are reached in hash order, which is random in
    /// the arena, so without this every member costs a cache (and TLB) miss in turn; issued a few members ahead, the misses
    /// overlap. A prefetch never faults, so an address the GC has since moved is harmless.
    /// </summary>
    public unsafe void Prefetch(long reference)
    {
        if (Sse.IsSupported)
        {
            var block = _blocks[(int)(reference >> 32)];
            Sse.Prefetch0(Unsafe.AsPointer(ref block[(int)(uint)reference]));
        }
    }

    private ReadOnlySpan<byte> Record(long reference, out int pos)
    {
        pos = (int)(uint)reference;
        return _blocks[(int)(reference >> 32)];
    }
}
