using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace CohortSync.Trials;

/// <summary>
/// The <c>cohortsync</c> command as a real process (<c>dotnet cohortsync.dll ...</c>, the build of CohortSync.LocalHost next
/// to this assembly), configured through environment variables. <see cref="Kill"/> sends SIGKILL: no cleanup runs, as in a
/// crash. Disposing kills a process that is still running, so none outlives a trial.
/// </summary>
public sealed class LocalHostProcess : IDisposable
{
    private static readonly ConcurrentDictionary<LocalHostProcess, byte> Live = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private int _killed;

    private LocalHostProcess(Process process) => _process = process;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>True once <see cref="Kill"/> ran.</summary>
    public bool Killed => Volatile.Read(ref _killed) == 1;

    /// <summary>Starts <c>cohortsync {arguments}</c> with the settings as environment variables (<c>:</c> becomes <c>__</c>).</summary>
    public static LocalHostProcess Start(IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var dll = Path.Combine(AppContext.BaseDirectory, "cohortsync.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("the built CohortSync.LocalHost (cohortsync.dll) is not next to the trials", dll);
        }

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            info.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NO_COLOR"] = "1";
        var process = new Process { StartInfo = info };
        var host = new LocalHostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        Live[host] = 0;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>SIGKILL, at once; safe to call more than once and after the process ended.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }

        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }

    /// <summary>Waits for the process to end; returns its exit code, or throws after the timeout (killing it).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"cohortsync (pid {_process.Id}) did not finish within {timeout}; its output:\n{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr).</summary>
    public string Tail(int lines = 30)
    {
        lock (_gate)
        {
            return string.Join('\n', _output.ToString().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>Kills every process still running (the trials command calls this when it is interrupted).</summary>
    public static void KillAll()
    {
        foreach (var process in Live.Keys)
        {
            process.Kill();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Live.TryRemove(this, out _);
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }
}
