using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>SnapshotDiff over two 100,000-member snapshots with 1% churn (500 leave, 500 join).</summary>
[MemoryDiagnoser]
[Config(typeof(DiffRateConfig))]
public class SnapshotDiffBenchmarks
{
    internal const int Members = 100_000;
    private Snapshot _before = Snapshot.Empty;
    private Snapshot _after = Snapshot.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var churn = new ChurnPlan(Members, 0.01, SnapshotData.Seed);
        _before = SnapshotData.Build(churn.V1(), Members);
        _after = SnapshotData.Build(churn.V2(), Members);
    }

    [Benchmark]
    public int Compute()
    {
        var changes = 0;
        foreach (var change in SnapshotDiff.Compute(_before, _after))
        {
            changes += change.Kind == ChangeKind.Update ? 2 : 1;
        }

        return changes;
    }

    [Benchmark]
    public int Count() => SnapshotDiff.Count(_before, _after).Total;
}
