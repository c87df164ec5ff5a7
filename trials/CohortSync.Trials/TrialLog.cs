using System.Globalization;

namespace CohortSync.Trials;

/// <summary>Where a trial's lines go (the console, or a test's output), and the machine's load beside every figure.</summary>
public sealed class TrialLog(Action<string> write)
{
    /// <summary>Writes one line.</summary>
    public void Line(string text) => write(text);

    /// <summary>The 1, 5 and 15 minute load averages, as /proc/loadavg gives them ("n/a" elsewhere).</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(' ', parts.Take(3)) + " (" + Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) + " cores)";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
