using System.Globalization;

namespace CohortSync.Bench;

/// <summary>
/// Samples the 1-minute load average (/proc/loadavg, Linux) while the benchmark runs, so a report taken on a busy machine
/// says so. The benchmark itself keeps two to four threads runnable (a child with its parallel codec and GC threads, and
/// Azurite), so "busy" means a load above 1 before it starts, or above cores + 2 while it runs.
/// </summary>
public sealed class MachineLoad : IDisposable
{
    private const string LoadFile = "/proc/loadavg";
    private readonly Timer? _timer;
    private readonly object _gate = new();
    private double _max;

    public MachineLoad()
    {
        Before = Read();
        if (Before is not null)
        {
            _max = Before.Value;
            _timer = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        }
    }

    public double? Before { get; }

    public double Max
    {
        get
        {
            lock (_gate)
            {
                return _max;
            }
        }
    }

    /// <summary>A line for the report, with a warning when other work competed for the cores.</summary>
    public string Describe()
    {
        if (Before is null)
        {
            return "machine load: not available on this OS";
        }

        Sample();
        var cores = Environment.ProcessorCount;
        var busy = Before.Value > 1.0 || Max > cores + 2;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"machine load (1-min average): {Before.Value:F2} before, {Max:F2} at most during the run, on {cores} cores{(busy ? "  WARNING: other work competed for the cores; timings are not representative" : string.Empty)}");
    }

    public void Dispose() => _timer?.Dispose();

    private void Sample()
    {
        if (Read() is { } load)
        {
            lock (_gate)
            {
                _max = Math.Max(_max, load);
            }
        }
    }

    private static double? Read()
    {
        try
        {
            var text = File.ReadAllText(LoadFile);
            var first = text.Split(' ', 2)[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
