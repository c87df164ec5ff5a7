using System.Collections.Concurrent;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CohortSync.LocalHost.Runner;

/// <summary>
/// Runs workflows in-process: for development, the demo and tests (in Azure, Durable Functions does this). Activities run
/// with bounded parallelism and retries with exponential backoff that honour a destination's retry-after hint. Progress
/// lives in the activities' stored state, so a runner stopped mid-run (or a crashed process) resumes it at start, and the
/// idempotent activities re-send at most the batches that were in flight.
/// </summary>
public sealed partial class LocalWorkflowEngine : IWorkflowEngine, IAsyncDisposable
{
    private readonly SyncActivities _activities;
    private readonly ISyncStore _store;
    private readonly LocalRunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalWorkflowEngine> _logger;
    private readonly ConcurrentDictionary<string, Task<RunResult>> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunDecision>> _decisions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots;
    private int _stopped;

    /// <summary>Creates the engine.</summary>
    public LocalWorkflowEngine(SyncActivities activities, ISyncStore store, IOptions<LocalRunnerOptions> options, TimeProvider time, ILogger<LocalWorkflowEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _activities = activities;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxParallelActivities, _options.MaxParallelActivities);
    }

    /// <inheritdoc/>
    public Task StartAsync(RunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        _running.GetOrAdd(input.RunId, _ => Task.Run(() => ExecuteAsync(input), CancellationToken.None));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task RaiseDecisionAsync(string runId, RunDecision decision, CancellationToken cancellationToken = default)
    {
        Decision(runId).TrySetResult(decision);
        return Task.CompletedTask;
    }

    /// <summary>Starts every run the store holds as unfinished (after a crash or a stop).</summary>
    public async Task<int> ResumeUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        var unfinished = await _store.ListUnfinishedRunsAsync(cancellationToken);
        foreach (var run in unfinished)
        {
            LogResuming(run.RunId, run.Status);
            await StartAsync(new RunInput(run.RunId, run.SyncId, run.Mode, run.ExportFirst), cancellationToken);
        }

        return unfinished.Count;
    }

    /// <summary>Waits for a run this engine started to end; returns null if it is not running here.</summary>
    public async Task<RunResult?> WaitAsync(string runId, CancellationToken cancellationToken = default) =>
        _running.TryGetValue(runId, out var task) ? await task.WaitAsync(cancellationToken) : null;

    /// <summary>Stops every run where it is, as a crash would (no cleanup); resume picks them up.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        foreach (var task in _running.Values)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
        _slots.Dispose();
    }

    internal TaskCompletionSource<RunDecision> Decision(string runId) =>
        _decisions.GetOrAdd(runId, _ => new TaskCompletionSource<RunDecision>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task<RunResult> ExecuteAsync(RunInput input)
    {
        try
        {
            var context = new LocalWorkflowContext(this, _activities, _store, input.RunId, _options, _time, _slots, _stopping.Token);
            var result = await SyncWorkflow.RunAsync(context, input);
            LogFinished(input.RunId, result.Status);
            return result;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            LogStopped(input.RunId);
            throw;
        }
        finally
        {
            _decisions.TryRemove(input.RunId, out _);
        }
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Resuming run {RunId} ({Status})")]
    private partial void LogResuming(string runId, RunStatus status);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Run {RunId} ended {Status}")]
    private partial void LogFinished(string runId, RunStatus status);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Run {RunId} stopped with the runner; it resumes at the next start")]
    private partial void LogStopped(string runId);
}
