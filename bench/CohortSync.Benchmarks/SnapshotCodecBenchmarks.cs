using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>SnapshotCodec: encode a snapshot into compressed chunks (parallel zlib) and decode it back.</summary>
[Config(typeof(ThroughputConfig))]
public class SnapshotCodecBenchmarks
{
    private Snapshot _snapshot = Snapshot.Empty;
    private IReadOnlyList<byte[]> _chunks = [];

    [Params(10_000, 100_000, 1_000_000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = SnapshotData.Build(new ChurnPlan(Members, 0, SnapshotData.Seed).V1(), Members);
        _chunks = SnapshotCodec.Encode(_snapshot);
    }

    [Benchmark]
    public int Encode() => SnapshotCodec.Encode(_snapshot).Count;

    [Benchmark]
    public int Decode() => SnapshotCodec.DecodeSnapshot(_chunks).Count;
}
