using System.Diagnostics;

namespace CohortSync.Trials;

/// <summary>
/// Table Storage for the trials: the Azurite <c>eng/test.sh</c> started (<c>COHORTSYNC_TEST_STORAGE</c>), or one started here
/// through <c>eng/azurite.sh</c> on a free port with in-memory storage, and stopped on dispose.
/// </summary>
public sealed class AzuriteProcess : IDisposable
{
    private readonly string? _stateDir;

    private AzuriteProcess(string connectionString, string? stateDir)
    {
        ConnectionString = connectionString;
        _stateDir = stateDir;
    }

    /// <summary>The Table Storage connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Uses the configured Azurite, or starts one.</summary>
    public static AzuriteProcess Start()
    {
        var configured = Environment.GetEnvironmentVariable("COHORTSYNC_TEST_STORAGE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new AzuriteProcess(configured, null);
        }

        var stateDir = Directory.CreateTempSubdirectory("cohortsync-trials-azurite-").FullName;
        try
        {
            return new AzuriteProcess(RunScript("start", stateDir).Trim(), stateDir);
        }
        catch
        {
            Directory.Delete(stateDir, recursive: true);
            throw;
        }
    }

    /// <summary>The repository root (the folder holding CohortSyncFunctions.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CohortSyncFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root from " + AppContext.BaseDirectory);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_stateDir is not null)
        {
            try
            {
                RunScript("stop", _stateDir);
            }
            finally
            {
                Directory.Delete(_stateDir, recursive: true);
            }
        }
    }

    private static string RunScript(string verb, string stateDir)
    {
        var script = Path.Combine(RepositoryRoot(), "eng", "azurite.sh");
        var info = new ProcessStartInfo("bash", [script, verb, stateDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"eng/azurite.sh {verb} did not finish");
        }

        return process.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException($"eng/azurite.sh {verb} failed: {stderr.Result}");
    }
}
