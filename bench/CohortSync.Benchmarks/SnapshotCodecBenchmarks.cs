using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>
/// SnapshotCodec as production runs it: encode members as records into compressed chunks (parallel zlib), and read them
/// back streamed by a <see cref="SnapshotCursor"/>, as a stored baseline is read.
/// </summary>
[Config(typeof(ThroughputConfig))]
public class SnapshotCodecBenchmarks
{
    private SnapshotChange[] _records = [];
    private IReadOnlyList<byte[]> _chunks = [];

    [Params(10_000, 100_000, 1_000_000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _records = SnapshotData.Adds(SnapshotData.Build(new ChurnPlan(Members, 0, SnapshotData.Seed).V1(), Members));
        _chunks = SnapshotCodec.Encode(_records);
    }

    /// <summary><see cref="SnapshotCodec.Encode(IEnumerable{SnapshotChange})"/> of every member as an add.</summary>
    [Benchmark]
    public int Encode() => SnapshotCodec.Encode(_records).Count;

    /// <summary>Streams the chunks: inflate each (the next one ahead), index its records, hash each key, check the order.</summary>
    [Benchmark]
    public int Decode()
    {
        using var cursor = SnapshotCursor.Over(_chunks);
        while (cursor.MoveNext())
        {
        }

        return cursor.Yielded;
    }
}
