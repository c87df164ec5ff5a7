using BenchmarkDotNet.Attributes;
using CohortSync.Bench;
using CohortSync.Core.Members;

namespace CohortSync.Benchmarks;

/// <summary>MemberFileReader parsing an in-memory, Amplitude-style CSV of 100,000 rows (tab-prefixed values).</summary>
[MemoryDiagnoser]
[Config(typeof(CsvRateConfig))]
public class MemberFileReaderBenchmarks
{
    internal const int Members = 100_000;
    private byte[] _csv = [];

    /// <summary>The CSV's size in bytes (for the MB/s column, computed in the host process).</summary>
    internal static long CsvBytes => CohortCsv.ToBytes(Enumerable.Range(0, Members)).LongLength;

    [GlobalSetup]
    public void Setup() => _csv = CohortCsv.ToBytes(Enumerable.Range(0, Members));

    [Benchmark]
    public int ParseCsv()
    {
        var rows = 0;
        foreach (var member in MemberFileReader.Read(new MemoryStream(_csv, writable: false), MemberFileFormat.Csv))
        {
            rows += member.Values.Length > 0 ? 1 : 0;
        }

        return rows;
    }

    [Benchmark]
    public int ParseCsvUserIds()
    {
        var length = 0;
        foreach (var member in MemberFileReader.Read(new MemoryStream(_csv, writable: false), MemberFileFormat.Csv))
        {
            length += member.Get("user_id")?.Length ?? 0;
        }

        return length;
    }
}
