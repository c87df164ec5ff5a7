using System.Diagnostics;

namespace CohortSync.Bench;

/// <summary>
/// A private Azurite (Table Storage only) started and stopped through <c>eng/azurite.sh</c>, on a free port with in-memory
/// storage. Stopped on dispose, and on process exit or Ctrl-C, so a benchmark never leaves it running.
/// </summary>
internal sealed class Azurite : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _state;
    private int _stopped;

    private Azurite(string root, string state, string connectionString)
    {
        _root = root;
        _state = state;
        ConnectionString = connectionString;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        Console.CancelKeyPress += (_, _) => Stop();
    }

    /// <summary>The Table Storage connection string the script printed.</summary>
    public string ConnectionString { get; }

    /// <summary>The repository root: the folder above the running assembly that holds CohortSyncFunctions.sln.</summary>
    public static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CohortSyncFunctions.sln")) && File.Exists(Path.Combine(dir.FullName, "eng", "azurite.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmark from its build output inside the repository (CohortSyncFunctions.sln not found above it)");
    }

    /// <summary>Starts an instance; throws with the script's message when it cannot.</summary>
    public static async Task<Azurite> StartAsync(string root)
    {
        var state = Directory.CreateTempSubdirectory("cohortsync-bench-azurite-").FullName;
        var (code, output, error) = await ScriptAsync(root, "start", state);
        var connectionString = output.Trim();
        if (code != 0 || !connectionString.Contains("TableEndpoint=", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"eng/azurite.sh start failed ({code}): {error.Trim()}");
        }

        return new Azurite(root, state, connectionString);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        ScriptAsync(_root, "stop", _state).GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int Code, string Output, string Error)> ScriptAsync(string root, string verb, string state)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, "eng", "azurite.sh"));
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(state);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
