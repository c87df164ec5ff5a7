using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>
/// The diff Prepare runs, over 100,000 members with 1% churn (500 leave, 500 join): the stored baseline (one base segment)
/// streamed by a <see cref="SnapshotCursor"/> (inflate, hash, order check) against the packed cohort.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(DiffRateConfig))]
public class SnapshotDiffBenchmarks
{
    internal const int Members = 100_000;
    private IReadOnlyList<byte[]> _before = [];
    private PackedSnapshot? _after;

    [GlobalSetup]
    public void Setup()
    {
        var churn = new ChurnPlan(Members, 0.01, SnapshotData.Seed);
        _before = SnapshotData.Encode(SnapshotData.Build(churn.V1(), Members));
        _after = SnapshotData.Build(churn.V2(), Members);
    }

    /// <summary>The changes one at a time, strings made for each (how Prepare cuts them into batches).</summary>
    [Benchmark]
    public int Compute()
    {
        using var cursor = SnapshotCursor.Over(_before);
        var changes = 0;
        foreach (var change in SnapshotDiff.Compute(cursor, _after!, full: false))
        {
            changes += change.Kind == ChangeKind.Update ? 2 : 1;
        }

        return changes;
    }

    /// <summary>The counts only, no strings made (how Prepare sizes a run before it plans it).</summary>
    [Benchmark]
    public int Count()
    {
        using var cursor = SnapshotCursor.Over(_before);
        return SnapshotDiff.Compute(cursor, _after!, full: false, changes: null).Total;
    }
}
