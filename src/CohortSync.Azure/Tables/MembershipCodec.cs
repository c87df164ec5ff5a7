using System.Buffers;
using System.Text;
using CohortSync.Core.Sources.Webhooks;

namespace CohortSync.Azure.Tables;

/// <summary>
/// Packs users' states into a chunk: per user a 7-bit varint byte length and the user id in UTF-8, a flag byte (1: in the
/// cohort) and the computation's time as a varint. A chunk holds at most <see cref="MaxRawBytes"/> before compression, so
/// it fits one entity (640 KiB) even when it does not compress.
/// </summary>
internal sealed class MembershipCodec
{
    public const int MaxRawBytes = 600 * 1024;
    private readonly ArrayBufferWriter<byte> _buffer = new(MaxRawBytes + 1024);

    public int Count { get; private set; }

    public bool Full => _buffer.WrittenCount >= MaxRawBytes - 1024;

    public void Add(CohortMemberEntry entry)
    {
        var length = Encoding.UTF8.GetByteCount(entry.UserId);
        WriteVarint((ulong)length);
        Encoding.UTF8.GetBytes(entry.UserId, _buffer.GetSpan(length));
        _buffer.Advance(length);
        _buffer.GetSpan(1)[0] = entry.State.InCohort ? (byte)1 : (byte)0;
        _buffer.Advance(1);
        WriteVarint((ulong)Math.Max(0, entry.State.ComputedTime));
        Count++;
    }

    public byte[] Take()
    {
        var bytes = _buffer.WrittenSpan.ToArray();
        _buffer.Clear();
        Count = 0;
        return bytes;
    }

    public static CohortMemberEntry[] Decode(byte[] chunk)
    {
        var entries = new List<CohortMemberEntry>();
        var span = chunk.AsSpan();
        var at = 0;
        while (at < span.Length)
        {
            var length = (int)ReadVarint(span, ref at);
            var user = Encoding.UTF8.GetString(span.Slice(at, length));
            at += length;
            var inCohort = span[at++] == 1;
            var time = (long)ReadVarint(span, ref at);
            entries.Add(new CohortMemberEntry(user, new CohortMemberState(inCohort, time)));
        }

        return [.. entries];
    }

    private void WriteVarint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }
}
