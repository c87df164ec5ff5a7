using System.Buffers;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Snapshot order for keys held as UTF-8 bytes (in a <see cref="PackedSnapshot"/> or a stored chunk), without making strings:
/// the <see cref="KeyHasher"/> hash first, then the ordinal UTF-16 order of the keys, exactly as
/// <see cref="SnapshotEntry.Compare"/> orders strings. UTF-8 byte order differs from UTF-16 order for some characters, so
/// keys with equal hashes and different bytes (a collision, about once in 2^64) are compared as UTF-16.
/// </summary>
internal static class Utf8Keys
{
    /// <summary>Hashes a UTF-8 key as <see cref="KeyHasher.Hash(string)"/> hashes its string.</summary>
    /// <param name="key">The key's UTF-8 bytes.</param>
    /// <param name="scratch">A reusable buffer for the key's characters; grown when too small.</param>
    public static ulong Hash(ReadOnlySpan<byte> key, ref char[] scratch)
    {
        var max = Encoding.UTF8.GetMaxCharCount(key.Length);
        if (scratch.Length < max)
        {
            scratch = new char[Math.Max(max, scratch.Length * 2)];
        }

        var chars = Encoding.UTF8.GetChars(key, scratch);
        return KeyHasher.Hash(scratch.AsSpan(0, chars));
    }

    /// <summary>Compares two keys in snapshot order.</summary>
    public static int Compare(ulong hashA, ReadOnlySpan<byte> keyA, ulong hashB, ReadOnlySpan<byte> keyB)
    {
        var c = hashA.CompareTo(hashB);
        if (c != 0)
        {
            return c;
        }

        return keyA.SequenceEqual(keyB) ? 0 : CompareAsUtf16(keyA, keyB);
    }

    /// <summary>Compares a UTF-8 key with a string key in snapshot order.</summary>
    public static int Compare(ulong hashA, ReadOnlySpan<byte> keyA, ulong hashB, string keyB)
    {
        var c = hashA.CompareTo(hashB);
        return c != 0 ? c : string.CompareOrdinal(Encoding.UTF8.GetString(keyA), keyB);
    }

    private static int CompareAsUtf16(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var bufferA = ArrayPool<char>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetMaxCharCount(a.Length)));
        var bufferB = ArrayPool<char>.Shared.Rent(Math.Max(1, Encoding.UTF8.GetMaxCharCount(b.Length)));
        try
        {
            var charsA = bufferA.AsSpan(0, Encoding.UTF8.GetChars(a, bufferA));
            var charsB = bufferB.AsSpan(0, Encoding.UTF8.GetChars(b, bufferB));
            return charsA.SequenceCompareTo(charsB);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(bufferA);
            ArrayPool<char>.Shared.Return(bufferB);
        }
    }
}
