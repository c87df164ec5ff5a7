using System.IO.Compression;
using System.Runtime.ExceptionServices;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Encodes changes and snapshots as compressed binary chunks that fit Table Storage: each chunk is at most
/// <see cref="MaxChunkBytes"/> (ten 64 KiB binary properties of one entity; Azure allows 1 MiB an entity and Azurite
/// refuses a twelfth 64 KiB property). Chunks are zlib-compressed (Deflate with an Adler-32 check, so a corrupt chunk
/// is detected) in parallel.
/// </summary>
/// <remarks>
/// Raw chunk layout: the magic bytes <c>CS1</c>, a varint record count, then per record a tag byte
/// (<see cref="ChangeKind"/>), the UTF-8 key as varint length plus bytes, and the payload as varint (length + 1, 0 for
/// null) plus bytes. Records keep the order they were given in.
/// </remarks>
public static class SnapshotCodec
{
    /// <summary>The largest compressed chunk: ten 64 KiB properties.</summary>
    public const int MaxChunkBytes = 10 * 64 * 1024;

    /// <summary>The longest key or payload, in UTF-8 bytes.</summary>
    public const int MaxFieldBytes = 64 * 1024;

    // A raw chunk is closed once it reaches this size, so raw <= 448 KiB + one record (<= 128 KiB + 12) and, since
    // Deflate expands incompressible input by well under 1%, compressed <= MaxChunkBytes.
    internal const int RawChunkTarget = 448 * 1024;

    /// <summary>The first bytes of every raw chunk.</summary>
    internal static ReadOnlySpan<byte> Magic => "CS1"u8;

    /// <summary>Encodes changes (or, with <see cref="ChangeKind.Add"/>, the entries of a snapshot) as compressed chunks.</summary>
    public static IReadOnlyList<byte[]> Encode(IEnumerable<SnapshotChange> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var encoder = new SnapshotEncoder();
        foreach (var record in records)
        {
            encoder.Write(record);
        }

        return encoder.Finish();
    }

    /// <summary>Decodes chunks written by <see cref="Encode(IEnumerable{SnapshotChange})"/>, in order.</summary>
    public static IReadOnlyList<SnapshotChange> Decode(IReadOnlyList<byte[]> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var parts = new List<SnapshotChange>[chunks.Count];
        try
        {
            Parallel.For(0, chunks.Count, i => parts[i] = DecodeChunk(chunks[i]));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var all = new List<SnapshotChange>(parts.Sum(p => p.Count));
        foreach (var part in parts)
        {
            all.AddRange(part);
        }

        return all;
    }

    internal static byte[] Compress(byte[] buffer, int length)
    {
        using var output = new MemoryStream(length / 3 + 64);
        using (var deflate = new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(buffer, 0, length);
        }

        var result = output.ToArray();
        if (result.Length > MaxChunkBytes)
        {
            throw new InvalidOperationException($"a compressed chunk of {result.Length} bytes exceeds {MaxChunkBytes}");
        }

        return result;
    }

    private static List<SnapshotChange> DecodeChunk(byte[] chunk)
    {
        try
        {
            return DecodeChunkUnchecked(chunk);
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or DecoderFallbackException)
        {
            throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
        }
    }

    private static List<SnapshotChange> DecodeChunkUnchecked(byte[] chunk)
    {
        using var input = new ZLibStream(new MemoryStream(chunk), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        var span = new ReadOnlySpan<byte>(raw.GetBuffer(), 0, (int)raw.Length);
        if (!span.StartsWith(Magic))
        {
            throw new InvalidDataException("not a CohortSync snapshot chunk");
        }

        var pos = Magic.Length;
        var count = (int)ReadVarint(span, ref pos);
        var records = new List<SnapshotChange>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = (ChangeKind)span[pos++];
            if (kind > ChangeKind.Uncertain)
            {
                throw new InvalidDataException("unknown record tag in a snapshot chunk");
            }

            var keyLength = (int)ReadVarint(span, ref pos);
            var key = Encoding.UTF8.GetString(span.Slice(pos, keyLength));
            pos += keyLength;
            var payloadLength = (int)ReadVarint(span, ref pos);
            string? payload = null;
            if (payloadLength > 0)
            {
                payload = Encoding.UTF8.GetString(span.Slice(pos, payloadLength - 1));
                pos += payloadLength - 1;
            }

            records.Add(new SnapshotChange(kind, SnapshotEntry.Create(key, payload)));
        }

        if (pos != span.Length)
        {
            throw new InvalidDataException("trailing bytes in a snapshot chunk");
        }

        return records;
    }

    /// <summary>Writes a varint (7 bits a byte, low first), the length and count format of every record.</summary>
    internal static void WriteVarint(Span<byte> span, ref int pos, ulong value)
    {
        while (value >= 0x80)
        {
            span[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[pos++] = (byte)value;
    }

    /// <summary>Reads a varint written by the encoder; throws <see cref="InvalidDataException"/> for one longer than 64 bits.</summary>
    internal static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = span[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new InvalidDataException("varint too long");
            }
        }
    }
}
