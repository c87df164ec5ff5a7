using Azure.Data.Tables;

namespace CohortSync.Azure.Tables;

/// <summary>
/// Spreads a byte array of up to 640 KiB over ten binary properties (<c>D0</c>..<c>D9</c>) of 64 KiB, the most a Table
/// Storage property holds (64 KiB + 1 is refused); an entity stays under Azure's 1 MiB even with base64 on the wire.
/// </summary>
internal static class BinaryProperties
{
    public const int PropertyBytes = 64 * 1024;
    public const int MaxProperties = 10;

    public static void Write(TableEntity entity, string prefix, byte[] data)
    {
        if (data.Length > PropertyBytes * MaxProperties)
        {
            throw new ArgumentException($"{data.Length} bytes do not fit in one entity", nameof(data));
        }

        var parts = Math.Max(1, (data.Length + PropertyBytes - 1) / PropertyBytes);
        for (var i = 0; i < parts; i++)
        {
            var offset = i * PropertyBytes;
            var length = Math.Min(PropertyBytes, data.Length - offset);
            entity[prefix + i] = data.AsSpan(offset, length).ToArray();
        }
    }

    public static byte[] Read(TableEntity entity, string prefix)
    {
        var parts = new byte[MaxProperties][];
        var count = 0;
        var length = 0;
        for (; count < MaxProperties && entity.TryGetValue(prefix + count, out _); count++)
        {
            parts[count] = entity.GetBinary(prefix + count) ?? [];
            length += parts[count].Length;
        }

        if (count == 1)
        {
            return parts[0];
        }

        var data = new byte[length];
        var offset = 0;
        foreach (var part in parts.AsSpan(0, count))
        {
            part.CopyTo(data, offset);
            offset += part.Length;
        }

        return data;
    }
}
