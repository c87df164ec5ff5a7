using CohortSync.Core.Workflow;
using Microsoft.DurableTask;

namespace CohortSync.Durable;

/// <summary>
/// The orchestration of one run (<see cref="WorkflowNames.Orchestration"/>): Core's <see cref="SyncWorkflow"/> on a Durable
/// orchestration context, with the one retry policy of <see cref="WorkflowRetryOptions"/>. The instance id is the run id.
/// </summary>
public sealed class SyncRunOrchestrator : TaskOrchestrator<RunInput, RunResult>
{
    private readonly TaskOptions _activityOptions;

    /// <summary>Creates the orchestrator. (Durable Task creates orchestrators without dependency injection, so the hosts
    /// pass the options in: see <see cref="DurableRegistration"/>.)</summary>
    public SyncRunOrchestrator(WorkflowRetryOptions retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        _activityOptions = retry.ToTaskOptions();
    }

    /// <inheritdoc/>
    public override Task<RunResult> RunAsync(TaskOrchestrationContext context, RunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (input is null)
        {
            throw new InvalidOperationException($"orchestration '{context.InstanceId}' was started without a RunInput");
        }

        return SyncWorkflow.RunAsync(new DurableWorkflowContext(context, _activityOptions), input);
    }
}
