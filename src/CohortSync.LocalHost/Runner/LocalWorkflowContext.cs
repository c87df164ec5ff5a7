using System.Text.Json;
using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Polly;
using Polly.Retry;

namespace CohortSync.LocalHost.Runner;

/// <summary>
/// The workflow-context port in-process. Inputs and results go through JSON as they would through Durable's history, so a
/// workflow that works here has only serialisable inputs. Retries use one Polly pipeline; a failure that outlives it
/// reaches the workflow as <see cref="WorkflowActivityException"/>.
/// </summary>
internal sealed class LocalWorkflowContext : IWorkflowContext
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly LocalWorkflowEngine _engine;
    private readonly SyncActivities _activities;
    private readonly ISyncStore _store;
    private readonly string _runId;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationToken _stopping;
    private readonly ResiliencePipeline _retry;

    public LocalWorkflowContext(
        LocalWorkflowEngine engine,
        SyncActivities activities,
        ISyncStore store,
        string runId,
        LocalRunnerOptions options,
        TimeProvider time,
        SemaphoreSlim slots,
        CancellationToken stopping)
    {
        _engine = engine;
        _activities = activities;
        _store = store;
        _runId = runId;
        _time = time;
        _slots = slots;
        _stopping = stopping;
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetryAttempts),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is RetryableDestinationException { RetryAfter: { } wait }
                        ? (TimeSpan?)(wait > options.MaxDelay ? options.MaxDelay : wait)
                        : null),
            })
            .Build();
        if (options.MaxRetryAttempts == 0)
        {
            _retry = ResiliencePipeline.Empty;
        }
    }

    public DateTimeOffset CurrentUtcDateTime => _time.GetUtcNow();

    public async Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        var typedInput = JsonSerializer.Deserialize(JsonSerializer.Serialize(input, input.GetType(), Json), SyncActivities.InputTypeOf(name), Json)!;
        object result;
        try
        {
            result = await _retry.ExecuteAsync(
                async token =>
                {
                    await _slots.WaitAsync(token);
                    try
                    {
                        return await _activities.InvokeAsync(name, typedInput, token);
                    }
                    finally
                    {
                        _slots.Release();
                    }
                },
                _stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            throw new WorkflowActivityException(name, ex.GetType().FullName ?? ex.GetType().Name, ex.Message, ex);
        }

        return JsonSerializer.Deserialize<TResult>(JsonSerializer.Serialize(result, result.GetType(), Json), Json)!;
    }

    public Task CreateTimerAsync(DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var wait = fireAt - _time.GetUtcNow();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping);
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, _time, linked.Token);
    }

    public async Task<T> WaitForEventAsync<T>(string name)
    {
        if (name != WorkflowNames.DecisionEvent || typeof(T) != typeof(RunDecision))
        {
            throw new NotSupportedException($"the local runner delivers only {WorkflowNames.DecisionEvent} events");
        }

        // Registered before reading the store, so a decision made in between is not missed.
        var pending = _engine.Decision(_runId);
        var stored = await _store.GetRunAsync(_runId, _stopping);
        if (stored?.Value.Decision is { } decided)
        {
            return (T)(object)decided;
        }

        return (T)(object)await pending.Task.WaitAsync(_stopping);
    }

    private static bool IsTransient(Exception ex) => ex is not (
        OperationCanceledException
        or DestinationAuthException
        or DestinationRejectedException
        or ValidationException
        or NotFoundException
        or MalformedSourceException
        or FormatException
        or InvalidDataException
        or ArgumentException
        or NotSupportedException);
}
