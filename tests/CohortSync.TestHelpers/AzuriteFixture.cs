using System.Diagnostics;

namespace CohortSync.TestHelpers;

/// <summary>
/// Azurite for integration tests: the instance <c>eng/test.sh</c> started (<c>COHORTSYNC_TEST_STORAGE</c>), or, when the
/// tests run on their own (an IDE, <c>dotnet test</c>), one this fixture starts through <c>eng/azurite.sh</c> on a free
/// port and stops afterwards. Tests isolate themselves with a fresh table prefix each.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    private readonly string? _stateDir;

    public AzuriteFixture()
    {
        var configured = Environment.GetEnvironmentVariable("COHORTSYNC_TEST_STORAGE");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        _stateDir = Directory.CreateTempSubdirectory("cohortsync-azurite-").FullName;
        ConnectionString = RunScript("start", _stateDir).Trim();
    }

    /// <summary>The Table Storage connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>A table prefix no other test uses.</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        if (_stateDir is not null)
        {
            RunScript("stop", _stateDir);
            Directory.Delete(_stateDir, recursive: true);
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

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/azurite.sh {verb} failed: {stderr.Result}");
        }

        return stdout.Result;
    }
}
