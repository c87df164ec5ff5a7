using CohortSync.Core.Workflow;
using CohortSync.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CohortSync.Functions.Workflow;

/// <summary>The orchestration function of a run: a shell around <see cref="SyncRunOrchestrator"/>, the class the local host's
/// Durable Task worker registers under the same name.</summary>
public sealed class SyncRunOrchestration
{
    private readonly SyncRunOrchestrator _orchestrator;

    /// <summary>Creates the function.</summary>
    public SyncRunOrchestration(SyncRunOrchestrator orchestrator)
    {
        _orchestrator = orchestrator;
    }

    /// <summary>Runs the workflow; the instance id is the run id and the input is the run's <see cref="RunInput"/>.</summary>
    [Function(WorkflowNames.Orchestration)]
    public Task<RunResult> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _orchestrator.RunAsync(context, context.GetInput<RunInput>()!);
    }
}
