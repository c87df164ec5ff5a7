using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace CohortSync.Functions.Workflow;

/// <summary>
/// <see cref="IWorkflowEngine"/> on Durable Functions: a run is one orchestration of <see cref="WorkflowNames.Orchestration"/>
/// whose instance id is the run id, and a guardrail decision is the <see cref="WorkflowNames.DecisionEvent"/> event.
/// </summary>
/// <remarks>
/// <para>
/// Where the client comes from. The isolated worker has no supported way to resolve a <see cref="DurableTaskClient"/> from
/// dependency injection: functions-worker-api.md shows it only as a <c>[DurableClient]</c> binding (§2), constructor
/// injection fails ("Unable to resolve service for type DurableTaskClient", Azure/azure-functions-durable-extension#2931),
/// and the requests for a client factory are open (#2736, #2698). So the functions that may start a run or raise a
/// decision (the timer, start, approve, reject) bind their client with <see cref="Bind"/> around their one call, and this
/// singleton reads it from an <see cref="AsyncLocal{T}"/>, which flows into every await beneath that call and nowhere else.
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
/// replay a finished run, and the default <c>overridableExistingInstanceStates</c> (NonRunningStates, §6) would let
/// <c>ScheduleNewOrchestrationInstanceAsync</c> do exactly that; a new attempt is a new run with a new id.
/// </para>
/// </remarks>
public sealed partial class DurableWorkflowEngine : IWorkflowEngine
{
    private readonly AsyncLocal<DurableClientBinding?> _current = new();
    private readonly ILogger<DurableWorkflowEngine> _logger;

    /// <summary>Creates the engine.</summary>
    public DurableWorkflowEngine(ILogger<DurableWorkflowEngine> logger)
    {
        _logger = logger;
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
        var binding = Current();
        binding.Record(input.RunId);

        // functions-worker-api.md §3: GetInstanceAsync returns null when the instance does not exist.
        var existing = await binding.Client.GetInstanceAsync(input.RunId, cancellationToken);
        if (existing is not null)
        {
            LogExists(input.RunId, existing.RuntimeStatus);
            return;
        }

        // StartOrchestrationOptions is in Microsoft.DurableTask, not .Client (§3, "Supporting types").
        await binding.Client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.Orchestration,
            input,
            new StartOrchestrationOptions(input.RunId),
            cancellationToken);
        LogScheduled(input.RunId, input.SyncId);
    }

    /// <inheritdoc/>
    public Task RaiseDecisionAsync(string runId, RunDecision decision, CancellationToken cancellationToken = default) =>
        Current().Client.RaiseEventAsync(runId, WorkflowNames.DecisionEvent, decision, cancellationToken);

    private DurableClientBinding Current() =>
        _current.Value ?? throw new InvalidOperationException(
            "No Durable client is bound to this call: a function that can start runs or raise decisions must take "
            + "[DurableClient] DurableTaskClient and call DurableWorkflowEngine.Bind around its call into the application.");

    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Run {RunId} of sync {SyncId}: orchestration scheduled")]
    private partial void LogScheduled(string runId, string syncId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Run {RunId}: orchestration already exists ({Status}); not starting it again")]
    private partial void LogExists(string runId, OrchestrationRuntimeStatus status);
}
