using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace CohortSync.Durable;

/// <summary>
/// <see cref="IWorkflowEngine"/> on Durable Task: a run is one orchestration of <see cref="WorkflowNames.Orchestration"/>
/// whose instance id is the run id, and a guardrail decision is the <see cref="WorkflowNames.DecisionEvent"/> event. Both
/// hosts use it: the local host with the client its Durable Task engine registers, the Functions app with the client
/// each function binds.
/// </summary>
/// <remarks>
/// <para>
/// Where the client comes from. The local host registers its gRPC <see cref="DurableTaskClient"/> in dependency injection,
/// and the engine takes it from there. The Functions isolated worker has no supported way to resolve a <see cref="DurableTaskClient"/> from
/// dependency injection: the Durable extension documents it only as a <c>[DurableClient]</c> binding, constructor
/// injection fails ("Unable to resolve service for type DurableTaskClient", Azure/azure-functions-durable-extension#2931),
/// and the requests for a client factory are open (#2736, #2698). So the functions that may start a run or raise a
/// decision (the timer, start, approve, reject) bind their client with <see cref="Bind"/> around their one call, and this
/// singleton reads it from an <see cref="AsyncLocal{T}"/>, which flows into every await beneath that call and nowhere else; a
/// bound client wins over the registered one.
/// </para>
/// <para>
/// Why not a scoped engine created per invocation: Core's <c>RunService</c> and <c>SchedulerService</c>, and the API, are
/// singletons that hold <see cref="IWorkflowEngine"/>. A scoped engine would mean re-registering them as scoped in this host
/// only, so the two hosts would build different graphs, and any singleton that later took <c>RunService</c> would silently
/// capture an engine without a client (scope validation is off outside Development). Here the graph is LocalHost's, and a
/// function that forgets to bind its client fails at once with a message that says so.
/// </para>
/// <para>
/// Starting a run that exists does nothing, whatever the instance's status. A run id names one run, and <c>RunService</c>
/// asks to start only a run whose record it has just claimed and written, so an existing instance means this start has
/// already happened (a retried request, or a tick racing another on the same slot). Restarting a finished instance would
/// replay a finished run, and the default <c>overridableExistingInstanceStates</c> (NonRunningStates) would let
/// <c>ScheduleNewOrchestrationInstanceAsync</c> do exactly that; a new attempt is a new run with a new id.
/// </para>
/// </remarks>
public sealed partial class DurableWorkflowEngine : IWorkflowEngine
{
    /// <summary>How often <see cref="WaitAsync"/> asks the engine for a run's state.</summary>
    public static readonly TimeSpan WaitPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly AsyncLocal<DurableClientBinding?> _current = new();
    private readonly ILogger<DurableWorkflowEngine> _logger;
    private readonly DurableTaskClient? _registered;
    private readonly TimeProvider _time;

    /// <summary>Creates the engine.</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock <see cref="WaitAsync"/> polls with.</param>
    /// <param name="client">The host's client, where the host registers one (the local host); null in the Functions app.</param>
    public DurableWorkflowEngine(ILogger<DurableWorkflowEngine> logger, TimeProvider? time = null, DurableTaskClient? client = null)
    {
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _registered = client;
    }

    /// <summary>Binds a function's <c>[DurableClient]</c> for the calls made until the binding is disposed.</summary>
    public DurableClientBinding Bind(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var binding = new DurableClientBinding(client, _current.Value, previous => _current.Value = previous);
        _current.Value = binding;
        return binding;
    }

    /// <inheritdoc/>
    public async Task StartAsync(RunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var binding = _current.Value;
        binding?.Record(input.RunId);
        var client = Client();

        // GetInstanceAsync returns null when the instance does not exist.
        var existing = await client.GetInstanceAsync(input.RunId, cancellationToken);
        if (existing is not null)
        {
            LogExists(input.RunId, existing.RuntimeStatus);
            return;
        }

        // StartOrchestrationOptions is in Microsoft.DurableTask, not .Client.
        await client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.Orchestration,
            input,
            new StartOrchestrationOptions(input.RunId),
            cancellationToken);
        LogScheduled(input.RunId, input.SyncId);
    }

    /// <inheritdoc/>
    public Task RaiseDecisionAsync(string runId, RunDecision decision, CancellationToken cancellationToken = default) =>
        Client().RaiseEventAsync(runId, WorkflowNames.DecisionEvent, decision, cancellationToken);

    /// <summary>
    /// Waits until the run's orchestration ends and returns its result; a run that fails in the engine itself (not one
    /// whose workflow recorded a failure) throws. Polls every <see cref="WaitPollInterval"/>: the client's own
    /// <c>WaitForInstanceCompletionAsync</c> polls every 2 s on the Azure Storage backend.
    /// </summary>
    public async Task<RunResult> WaitAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var client = Client();
        while (true)
        {
            var instance = await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
            switch (instance?.RuntimeStatus)
            {
                case OrchestrationRuntimeStatus.Completed:
                    return instance.ReadOutputAs<RunResult>()
                        ?? throw new InvalidOperationException($"run {runId}: the orchestration completed without a result");
                case OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated:
                    throw new InvalidOperationException(
                        $"run {runId}: the orchestration {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorMessage ?? "no details"}");
            }

            await Task.Delay(WaitPollInterval, _time, cancellationToken);
        }
    }

    private DurableTaskClient Client() =>
        _current.Value?.Client ?? _registered ?? throw new InvalidOperationException(
            "No Durable client is bound to this call: a function that can start runs or raise decisions must take "
            + "[DurableClient] DurableTaskClient and call DurableWorkflowEngine.Bind around its call into the application.");

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Run {RunId} of sync {SyncId}: orchestration scheduled")]
    private partial void LogScheduled(string runId, string syncId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Run {RunId}: orchestration already exists ({Status}); not starting it again")]
    private partial void LogExists(string runId, OrchestrationRuntimeStatus status);
}
