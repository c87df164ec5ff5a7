using CohortSync.Bench;
using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>Snapshots of the benchmark cohort, packed exactly as Prepare packs them: key <c>u::user-0000123</c>, payload <c>email=...</c>.</summary>
public static class SnapshotData
{
    public const int Seed = 20261122;

    public static string Key(int n) => new DestinationKey(KeyKind.UserId, CohortCsv.UserId(n)).Encode();

    public static string Payload(int n) => MemberPayload.Encode([new("email", CohortCsv.Email(n))])!;

    /// <summary>The members packed as Prepare packs the cohort (<see cref="SnapshotBuilder.BuildPacked"/>).</summary>
    public static PackedSnapshot Build(IEnumerable<int> members, int capacity)
    {
        var builder = new SnapshotBuilder(capacity);
        foreach (var n in members)
        {
            builder.Add(Key(n), Payload(n));
        }

        return builder.BuildPacked();
    }

    /// <summary>The members of a packed snapshot as adds, in snapshot order: the records of a first run's commit.</summary>
    public static SnapshotChange[] Adds(PackedSnapshot snapshot)
    {
        var adds = new SnapshotChange[snapshot.Count];
        for (var i = 0; i < adds.Length; i++)
        {
            adds[i] = new SnapshotChange(ChangeKind.Add, snapshot[i]);
        }

        return adds;
    }

    /// <summary>A stored base segment of the members: their adds encoded by <see cref="SnapshotEncoder"/>.</summary>
    public static IReadOnlyList<byte[]> Encode(PackedSnapshot snapshot)
    {
        var encoder = new SnapshotEncoder();
        for (var i = 0; i < snapshot.Count; i++)
        {
            encoder.Write(new SnapshotChange(ChangeKind.Add, snapshot[i]));
        }

        return encoder.Finish();
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
