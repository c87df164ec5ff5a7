namespace CohortSync.Connectors.Pushwoosh;

// How a batch's devices are cut into bulkSetTags requests.
public static partial class PushwooshWire
{
    /// <summary>
    /// Splits devices into requests of at most <paramref name="maxDevices"/> devices and <paramref name="maxBytes"/> bytes of
    /// device JSON, as evenly as possible: a batch that holds at least the bulk minimum never leaves a small remainder.
    /// </summary>
    /// <returns>The (start, count) of each request, in order.</returns>
    public static IReadOnlyList<(int Start, int Count)> Split(IReadOnlyList<int> deviceBytes, int maxDevices, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(deviceBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDevices);
        var n = deviceBytes.Count;
        if (n == 0)
        {
            return [];
        }

        long total = 0;
        foreach (var size in deviceBytes)
        {
            if (size + 1 > maxBytes)
            {
                throw new ArgumentException("a device is larger than a whole request", nameof(deviceBytes));
            }

            total += size + 1;
        }

        var parts = (int)Math.Max((n + maxDevices - 1) / maxDevices, (total + maxBytes - 1) / maxBytes);
        for (; ; parts++)
        {
            var result = new List<(int, int)>(parts);
            var fits = true;
            var start = 0;
            for (var p = 0; p < parts && fits; p++)
            {
                // Spread the remainder over the first parts, so sizes differ by at most one.
                var count = (n / parts) + (p < n % parts ? 1 : 0);
                long bytes = 0;
                for (var i = start; i < start + count; i++)
                {
                    bytes += deviceBytes[i] + 1;
                }

                fits = bytes <= maxBytes;
                result.Add((start, count));
                start += count;
            }

            if (fits)
            {
                return result;
            }
        }
    }
}
