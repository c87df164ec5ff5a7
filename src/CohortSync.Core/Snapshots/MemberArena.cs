using System.IO.Hashing;
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

    /// <summary>
    /// Appends a member and returns its reference; <paramref name="hasPayload"/> false stores no payload.
    /// <paramref name="record"/> is the XxHash3 of the record's bytes, as a stored chunk holds them (see
    /// <see cref="PackedMember.Record"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Append(ReadOnlySpan<char> key, ReadOnlySpan<char> payload, bool hasPayload, out ulong record)
    {
        // Most keys and payloads are ASCII, one byte a character; the exact count is taken only when they may not fit.
        var size = 20 + ((key.Length + payload.Length) * 3);
        if (_used + size > _current.Length)
        {
            var exact = 20 + Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(payload);
            if (_used + exact > _current.Length)
            {
                var next = _blocks.Count == 0 ? FirstBlockBytes : Math.Min(LargestBlockBytes, _current.Length * 2);
                _current = new byte[Math.Max(next, exact)];
                _blocks.Add(_current);
                _used = 0;
            }
        }

        var reference = ((long)(_blocks.Count - 1) << 32) | (uint)_used;
        var span = _current.AsSpan();
        var pos = _used;
        pos = WriteText(span, pos, key, 0);
        pos = hasPayload ? WriteText(span, pos, payload, 1) : WriteZero(span, pos);
        record = XxHash3.HashToUInt64(span[_used..pos]);
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

    // Writes a varint (the text's UTF-8 length plus bias) and the text. The length is written after the text, which is
    // encoded straight into place behind a one-byte varint and moved when its length needs more bytes (texts over 127 bytes).
    private static int WriteText(Span<byte> span, int pos, ReadOnlySpan<char> text, int bias)
    {
        var written = Encoding.UTF8.GetBytes(text, span[(pos + 1)..]);
        var length = (ulong)(written + bias);
        if (length < 0x80)
        {
            span[pos] = (byte)length;
            return pos + 1 + written;
        }

        var prefix = 0;
        for (var v = length; v >= 0x80; v >>= 7)
        {
            prefix++;
        }

        span.Slice(pos + 1, written).CopyTo(span[(pos + 1 + prefix)..]);
        var at = pos;
        SnapshotCodec.WriteVarint(span, ref at, length);
        return pos + 1 + prefix + written;
    }

    private static int WriteZero(Span<byte> span, int pos)
    {
        span[pos] = 0;
        return pos + 1;
    }

    private ReadOnlySpan<byte> Record(long reference, out int pos)
    {
        pos = (int)(uint)reference;
        return _blocks[(int)(reference >> 32)];
    }
}
