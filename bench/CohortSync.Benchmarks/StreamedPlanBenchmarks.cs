using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Snapshots;

namespace CohortSync.Benchmarks;

/// <summary>
/// The planning path Prepare uses: the new cohort built as a <see cref="PackedSnapshot"/> (UTF-8 arena, hashes sorted as
/// integers), the stored baseline streamed through a <see cref="SnapshotCursor"/> (inflate, hash, order check) and diffed
/// against it, 1% churn. Divide the member count by the mean for keys per second.
/// </summary>
[MemoryDiagnoser]
public class StreamedPlanBenchmarks
{
    private string[] _keys = [];
    private string[] _payloads = [];
    private IReadOnlyList<byte[]> _baseline = [];
    private PackedSnapshot? _current;

    [Params(100_000, 1_000_000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var churn = new ChurnPlan(Members, 0.01, SnapshotData.Seed);
        _baseline = SnapshotData.Encode(SnapshotData.Build(churn.V1(), Members));
        var after = churn.V2().ToArray();
        _keys = [.. after.Select(SnapshotData.Key)];
        _payloads = [.. after.Select(SnapshotData.Payload)];
        _current = Build();
    }

    /// <summary>SnapshotBuilder.Add of every member (hash, copy to the arena), then BuildPacked (sort, dedupe).</summary>
    [Benchmark]
    public int BuildPacked() => Build().Count;

    /// <summary>Streams the baseline alone: inflate each chunk (the next one ahead), hash each key, check the order.</summary>
    [Benchmark]
    public int StreamBaseline()
    {
        using var cursor = SnapshotCursor.Over(_baseline);
        while (cursor.MoveNext())
        {
        }

        return cursor.Yielded;
    }

    /// <summary>The diff of the streamed baseline against the packed cohort, making strings for the 1% of changes.</summary>
    [Benchmark]
    public int StreamedDiff()
    {
        using var cursor = SnapshotCursor.Over(_baseline);
        var changes = new List<SnapshotChange>();
        return SnapshotDiff.Compute(cursor, _current!, full: false, changes).Total;
    }

    private PackedSnapshot Build()
    {
        var builder = new SnapshotBuilder(_keys.Length);
        for (var i = 0; i < _keys.Length; i++)
        {
            builder.Add(_keys[i], _payloads[i]);
        }

        return builder.BuildPacked();
    }
}
