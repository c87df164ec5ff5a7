using System.Runtime.InteropServices;

namespace CohortSync.Bench;

/// <summary>The outermost frame of a benchmark program: Ctrl-C and SIGTERM cancel the run, and any failure becomes a message.</summary>
public static class BenchMain
{
    /// <summary>
    /// Runs <paramref name="body"/> with a token that Ctrl-C or SIGTERM cancels, so its <c>finally</c> blocks clean up. Returns
    /// its exit code, or 1 after printing <c>NAME: cancelled</c> or <c>NAME[ child]: error: ...</c> to stderr.
    /// </summary>
    public static async Task<int> RunAsync(string name, bool child, Func<CancellationToken, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return await body(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync(name + ": cancelled");
            return 1;
        }
#pragma warning disable CA1031 // The outermost handler: any failure becomes a message and a non-zero exit.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync((child ? name + " child: error: " : name + ": error: ") + ex);
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
