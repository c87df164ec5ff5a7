using System.Diagnostics;

namespace CohortSync.PlanBench;

/// <summary>A private Azurite started with <c>eng/azurite.sh start DIR</c> and stopped with <c>eng/azurite.sh stop DIR</c>.</summary>
public sealed class Azurite : IAsyncDisposable
{
    private readonly string _repoRoot;
    private readonly string _stateDir;
    private bool _stopped;

    private Azurite(string repoRoot, string stateDir, string connectionString)
    {
        _repoRoot = repoRoot;
        _stateDir = stateDir;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<Azurite> StartAsync(string repoRoot, string stateDir, CancellationToken cancellationToken)
    {
        try
        {
            var (exitCode, stdout) = await ScriptAsync(repoRoot, "start", stateDir, cancellationToken);
            var connectionString = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (exitCode != 0 || string.IsNullOrEmpty(connectionString))
            {
                throw new InvalidOperationException($"eng/azurite.sh start failed (exit {exitCode}); see its messages above");
            }

            return new Azurite(repoRoot, stateDir, connectionString);
        }
        catch
        {
            // A start that failed half-way (or was cancelled) may still have left a process behind.
            await ScriptAsync(repoRoot, "stop", stateDir, CancellationToken.None);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        var (exitCode, _) = await ScriptAsync(_repoRoot, "stop", _stateDir, CancellationToken.None);
        if (exitCode != 0)
        {
            await Console.Error.WriteLineAsync($"planbench: eng/azurite.sh stop {_stateDir} exited with {exitCode}; check for a stray Azurite");
        }
    }

    /// <summary>The folder holding CohortSyncFunctions.sln, searched upwards from the working directory and from this program.</summary>
    public static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CohortSyncFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find CohortSyncFunctions.sln above the working directory or the program; pass --storage");
    }

    private static async Task<(int ExitCode, string Stdout)> ScriptAsync(string repoRoot, string verb, string stateDir, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(repoRoot, "eng", "azurite.sh"));
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(stateDir);
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("  [azurite] " + e.Data);
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit();
        return (process.ExitCode, await stdout);
    }
}
