using CohortSync.Core.Workflow;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace CohortSync.Functions.Workflow;

/// <summary>The orchestration of one run: Core's <see cref="SyncWorkflow"/> on a Durable orchestration context.</summary>
public static class SyncRunOrchestrator
{
    /// <summary>Runs the workflow; the instance id is the run id and the input is the run's <see cref="RunInput"/>.</summary>
    [Function(WorkflowNames.Orchestration)]
    public static Task<RunResult> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        var input = context.GetInput<RunInput>()
            ?? throw new InvalidOperationException($"orchestration '{context.InstanceId}' was started without a RunInput");
        return SyncWorkflow.RunAsync(new DurableWorkflowContext(context), input);
    }
}
