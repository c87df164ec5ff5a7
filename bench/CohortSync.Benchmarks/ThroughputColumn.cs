using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CohortSync.Benchmarks;

/// <summary>
/// Two columns for benchmarks with a <c>Members</c> parameter: the raw (uncompressed) snapshot bytes one operation
/// processes, and the throughput in MB/s from the mean time. Computed in the host process from the parameter alone, since
/// the benchmark's own state lives in the child process.
/// </summary>
public sealed class ThroughputColumn : IColumn
{
    private static readonly ConcurrentDictionary<int, long> Sizes = new();
    private readonly bool _rate;

    public ThroughputColumn(bool rate) => _rate = rate;

    public string Id => nameof(ThroughputColumn) + (_rate ? ".Rate" : ".Bytes");

    public string ColumnName => _rate ? "Raw MB/s" : "Raw MB";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => _rate ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _rate
        ? "Uncompressed snapshot megabytes (MiB) processed per second, from the mean"
        : "Uncompressed snapshot megabytes (MiB) one operation encodes or decodes";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        if (benchmarkCase.Parameters["Members"] is not int members)
        {
            return "-";
        }

        var megabytes = Sizes.GetOrAdd(members, SnapshotData.RawBytes) / 1048576.0;
        if (!_rate)
        {
            return megabytes.ToString("N2", CultureInfo.InvariantCulture);
        }

        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 ? (megabytes / (mean.Value / 1e9)).ToString("N1", CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Memory diagnoser plus the throughput columns.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddColumn(new ThroughputColumn(rate: false), new ThroughputColumn(rate: true));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
