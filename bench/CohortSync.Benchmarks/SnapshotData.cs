using CohortSync.Bench;
using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>Snapshots of the benchmark cohort, built exactly as Prepare builds them: key <c>u::user-0000123</c>, payload <c>email=...</c>.</summary>
public static class SnapshotData
{
    public const int Seed = 20261122;

    public static string Key(int n) => new DestinationKey(KeyKind.UserId, CohortCsv.UserId(n)).Encode();

    public static string Payload(int n) => MemberPayload.Encode([new("email", CohortCsv.Email(n))])!;

    public static Snapshot Build(IEnumerable<int> members, int capacity)
    {
        var builder = new SnapshotBuilder(capacity);
        foreach (var n in members)
        {
            builder.Add(Key(n), Payload(n));
        }

        return builder.Build();
    }

    /// <summary>
    /// The uncompressed size of a snapshot of members 0..N-1 in the codec's raw chunk layout (tag, varint length and UTF-8
    /// key, varint length + 1 and UTF-8 payload per record), chunk headers left out: the bytes the codec processes.
    /// </summary>
    public static long RawBytes(int members)
    {
        long bytes = 0;
        for (var n = 0; n < members; n++)
        {
            var key = System.Text.Encoding.UTF8.GetByteCount(Key(n));
            var payload = System.Text.Encoding.UTF8.GetByteCount(Payload(n));
            bytes += 1 + VarintLength(key) + key + VarintLength(payload + 1) + payload;
        }

        return bytes;
    }

    private static int VarintLength(long value)
    {
        var length = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            length++;
        }

        return length;
    }
}
