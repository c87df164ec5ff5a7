using System.Diagnostics;
using System.Text.Json;

namespace CohortSync.Bench.Planning;

/// <summary>One timed step of a child's breakdown.</summary>
public sealed record Section(string Name, double Seconds, string? Note = null);

/// <summary>What a child measured: named values and an ordered breakdown. Printed as one JSON line after a marker.</summary>
public sealed class ChildReport
{
    public const string Marker = "##planbench-result ";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public string Mode { get; init; } = string.Empty;

    public Dictionary<string, double> Values { get; init; } = new(StringComparer.Ordinal);

    public List<Section> Sections { get; init; } = [];

    public double this[string name] => Values.TryGetValue(name, out var value)
        ? value
        : throw new KeyNotFoundException($"the {Mode} child did not report '{name}'");

    public double Get(string name, double fallback = 0) => Values.GetValueOrDefault(name, fallback);

    public void Set(string name, double value) => Values[name] = value;

    // Allocation since the previous section: each section's note says what it allocated.
    private long _allocated = GC.GetTotalAllocatedBytes(precise: true);

    public void Time(string name, TimeSpan elapsed, string? note = null)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var mb = (allocated - _allocated) / 1048576.0;
        _allocated = allocated;
        Sections.Add(new Section(name, elapsed.TotalSeconds, note ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{mb:F0} MB allocated")));
    }

    /// <summary>Adds the process-wide figures: peak working set, allocations, GC work.</summary>
    public void AddProcessFigures(long workingSetAtStart)
    {
        using var self = Process.GetCurrentProcess();
        Set("peak_ws_mb", self.PeakWorkingSet64 / 1048576.0);
        Set("ws_end_mb", self.WorkingSet64 / 1048576.0);
        Set("ws_start_mb", workingSetAtStart / 1048576.0);
        Set("allocated_mb", GC.GetTotalAllocatedBytes(precise: true) / 1048576.0);
        Set("gc_pause_s", GC.GetTotalPauseDuration().TotalSeconds);
        Set("gc_gen0", GC.CollectionCount(0));
        Set("gc_gen1", GC.CollectionCount(1));
        Set("gc_gen2", GC.CollectionCount(2));
        Set("gc_heap_peak_mb", GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes / 1048576.0);
    }

    public string ToLine() => Marker + JsonSerializer.Serialize(this, Json);

    public static ChildReport? FromOutput(string stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        foreach (var line in stdout.Split('\n'))
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return JsonSerializer.Deserialize<ChildReport>(line[Marker.Length..].Trim(), Json);
            }
        }

        return null;
    }
}
