using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace CohortSync.Bench.Planning;

/// <summary>
/// Runs one measurement in a child process of this very program (so its peak working set and allocations are that
/// measurement's alone), relays the child's progress lines to stderr under a label, and parses the one JSON result line it
/// prints. Shared by PlanBench and the scale harness.
/// </summary>
public static class ChildProcess
{
    /// <summary>Starts the child with <paramref name="arguments"/> and returns its report; kills it past <paramref name="timeout"/>.</summary>
    public static async Task<ChildReport> RunAsync(string label, IEnumerable<string> arguments, TimeSpan timeout, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(log);
        log($"child '{label}' ...");
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path");
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started as `dotnet <bench>.dll`: start the child the same way.
            start.ArgumentList.Add((Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("no entry assembly")).Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var stdout = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Append(e.Data).Append('\n');
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"  [{label}] {e.Data}");
            }
        };
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"child '{label}' did not finish within {timeout.TotalMinutes} min (see --timeout)");
        }

        await process.WaitForExitAsync(CancellationToken.None);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child '{label}' failed with exit code {process.ExitCode}; its messages are above");
        }

        string output;
        lock (stdout)
        {
            output = stdout.ToString();
        }

        var report = ChildReport.FromOutput(output) ?? throw new InvalidOperationException($"child '{label}' printed no result line");
        log(string.Create(CultureInfo.InvariantCulture, $"child '{label}' done in {watch.Elapsed.TotalSeconds:F1} s (peak working set {report.Get("peak_ws_mb"):F0} MB)"));
        return report;
    }
}
