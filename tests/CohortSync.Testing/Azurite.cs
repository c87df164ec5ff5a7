using System.Diagnostics;

namespace CohortSync.Testing;

/// <summary>
/// The one way to get a private Azurite from C#: <c>eng/azurite.sh start STATE_DIR</c> (free 127.0.0.1 ports, in-memory
/// storage) and <c>eng/azurite.sh stop STATE_DIR</c> on dispose, on process exit and on Ctrl-C, so nothing is left running.
/// Tests and trials use <see cref="ConfiguredOrStart"/>, which takes the instance <c>eng/test.sh</c> started when there is one.
/// </summary>
public sealed class Azurite : IDisposable, IAsyncDisposable
{
    /// <summary>The variable <c>eng/test.sh</c> exports with the connection string of the Azurite it started.</summary>
    public const string ConfiguredVariable = "COHORTSYNC_TEST_STORAGE";

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private readonly string? _root;
    private readonly string? _stateDir;
    private readonly bool _ownsStateDir;
    private int _stopped;

    private Azurite(string connectionString, string? root, string? stateDir, bool ownsStateDir)
    {
        ConnectionString = connectionString;
        _root = root;
        _stateDir = stateDir;
        _ownsStateDir = ownsStateDir;
        if (stateDir is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += OnExit;
            Console.CancelKeyPress += OnExit;
        }
    }

    /// <summary>The connection string the script printed (blob, queue and table endpoints), or the configured one.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this instance started the emulator (and so stops it), false when it uses a configured one.</summary>
    public bool Started => _stateDir is not null;

    /// <summary>The Azurite in <see cref="ConfiguredVariable"/> when it is set, or a private one started now.</summary>
    public static Azurite ConfiguredOrStart()
    {
        var configured = Environment.GetEnvironmentVariable(ConfiguredVariable);
        return string.IsNullOrWhiteSpace(configured)
            ? StartAsync().GetAwaiter().GetResult()
            : new Azurite(configured, root: null, stateDir: null, ownsStateDir: false);
    }

    /// <summary>
    /// Starts a private Azurite. Its state (pid, port, log) goes to <paramref name="stateDir"/>, which is left in place, or
    /// to a temporary folder deleted on stop. <paramref name="log"/> receives the script's messages as they come.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script failed; the message carries its error output.</exception>
    public static async Task<Azurite> StartAsync(string? stateDir = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var root = RepositoryRoot();
        var owns = stateDir is null;
        stateDir ??= Directory.CreateTempSubdirectory("cohortsync-azurite-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await ScriptAsync(root, "start", stateDir, log, cancellationToken).ConfigureAwait(false);
            var connectionString = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (exitCode != 0 || connectionString is null || !connectionString.Contains("TableEndpoint=", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"eng/azurite.sh start failed (exit {exitCode}): {stderr.Trim()}");
            }

            return new Azurite(connectionString, root, stateDir, owns);
        }
        catch
        {
            // A start that failed half-way (or was cancelled) may still have left a process behind.
            await ScriptAsync(root, "stop", stateDir, log, CancellationToken.None).ConfigureAwait(false);
            if (owns)
            {
                TryDelete(stateDir);
            }

            throw;
        }
    }

    /// <summary>The repository root (the folder holding CohortSyncFunctions.sln), above the program or the working directory.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CohortSyncFunctions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"cannot find CohortSyncFunctions.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; run from inside the repository");
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void OnExit(object? sender, EventArgs e) => Stop();

    // Synchronous on purpose: it also runs from ProcessExit and Ctrl-C, where nothing can be awaited.
    private void Stop()
    {
        if (_stateDir is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        Console.CancelKeyPress -= OnExit;
        try
        {
            // Never throws: a failed stop must not hide the outcome of what ran, and it may run at process exit.
            var (exitCode, _, stderr) = ScriptAsync(_root!, "stop", _stateDir, log: null, CancellationToken.None).GetAwaiter().GetResult();
            if (exitCode != 0)
            {
                Console.Error.WriteLine($"azurite: eng/azurite.sh stop {_stateDir} exited with {exitCode}; check for a stray Azurite: {stderr.Trim()}");
            }
        }
        finally
        {
            if (_ownsStateDir)
            {
                TryDelete(_stateDir);
            }
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> ScriptAsync(
        string root, string verb, string stateDir, Action<string>? log, CancellationToken cancellationToken)
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
        start.ArgumentList.Add(stateDir);
        using var process = new Process { StartInfo = start };
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            log?.Invoke(e.Data);
        };
        process.Start();
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"eng/azurite.sh {verb} did not finish within {ScriptTimeout}");
        }

        process.WaitForExit(); // drains the redirected error stream
        var output = await stdout.ConfigureAwait(false);
        lock (stderr)
        {
            return (process.ExitCode, output, stderr.ToString());
        }
    }
}
