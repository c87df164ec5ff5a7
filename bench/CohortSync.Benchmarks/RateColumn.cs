using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CohortSync.Benchmarks;

/// <summary>
/// A throughput column from the mean: how many units (keys, members, rows, megabytes) one operation handles, per second.
/// The units per operation are computed in the host process from the benchmark's constants, as <see cref="ThroughputColumn"/> does.
/// </summary>
public sealed class RateColumn : IColumn
{
    private readonly Func<double> _perOperation;
    private readonly string _format;

    public RateColumn(string name, string legend, Func<double> perOperation, string format = "N0")
    {
        ColumnName = name;
        Legend = legend;
        _perOperation = perOperation;
        _format = format;
    }

    public string Id => nameof(RateColumn) + "." + ColumnName;

    public string ColumnName { get; }

    public string Legend { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 2;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return mean is > 0 ? (_perOperation() / (mean.Value / 1e9)).ToString(_format, CultureInfo.InvariantCulture) : "NA";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Keys per second of the diff: it walks both snapshots, so each operation visits about twice the cohort.</summary>
public sealed class DiffRateConfig : ManualConfig
{
    public DiffRateConfig() => AddColumn(new RateColumn("keys/s", "Keys of both snapshots merged per second, from the mean", () => 2.0 * SnapshotDiffBenchmarks.Members));
}

/// <summary>Members resolved per second.</summary>
public sealed class ResolveRateConfig : ManualConfig
{
    public ResolveRateConfig() => AddColumn(new RateColumn("members/s", "Members resolved per second, from the mean", () => IdentifierChainBenchmarks.Members));
}

/// <summary>Rows and megabytes of CSV parsed per second.</summary>
public sealed class CsvRateConfig : ManualConfig
{
    public CsvRateConfig() => AddColumn(
        new RateColumn("rows/s", "CSV rows parsed per second, from the mean", () => MemberFileReaderBenchmarks.Members),
        new RateColumn("MB/s", "CSV megabytes (MiB) parsed per second, from the mean", () => MemberFileReaderBenchmarks.CsvBytes / 1048576.0, "N1"));
}
