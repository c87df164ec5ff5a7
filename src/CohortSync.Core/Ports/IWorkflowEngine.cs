using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Ports;

/// <summary>The engine that runs workflows: Durable Functions in Azure, the local runner on a workstation and in tests.</summary>
public interface IWorkflowEngine
{
    /// <summary>Starts the workflow for a run whose record exists; the run id is the instance id. Starting a started run does nothing.</summary>
    Task StartAsync(RunInput input, CancellationToken cancellationToken = default);

    /// <summary>Delivers an approval decision to a run held by the guardrail.</summary>
    Task RaiseDecisionAsync(string runId, RunDecision decision, CancellationToken cancellationToken = default);
}
