using CohortSync.Core.Runs;

namespace CohortSync.Core.Workflow;

/// <summary>
/// One sync run: Prepare, Send fanned out over stored batches, Commit (DESIGN.md, "One sync run"). Written once against
/// <see cref="IWorkflowContext"/>; deterministic, so Durable can replay it. Members never pass through here.
/// </summary>
public static class SyncWorkflow
{
    /// <summary>Runs the workflow for one run.</summary>
    public static async Task<RunResult> RunAsync(IWorkflowContext context, RunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var plan = await context.CallActivityAsync<RunPlan>(WorkflowNames.Prepare, input);
            if (input.Mode == RunMode.DryRun)
            {
                return await context.CallActivityAsync<RunResult>(WorkflowNames.Commit, new CommitRunInput(input.RunId));
            }

            if (plan.Guarded)
            {
                var decision = await context.WaitForEventAsync<RunDecision>(WorkflowNames.DecisionEvent);
                if (!decision.Approved)
                {
                    return await context.CallActivityAsync<RunResult>(WorkflowNames.Commit, new CommitRunInput(input.RunId, Rejected: true));
                }
            }

            await SendAllAsync(context, input.RunId, plan);
            return await context.CallActivityAsync<RunResult>(WorkflowNames.Commit, new CommitRunInput(input.RunId));
        }
        catch (WorkflowActivityException ex)
        {
            return await context.CallActivityAsync<RunResult>(WorkflowNames.Fail, new FailRunInput(input.RunId, ex.Message));
        }
    }

    // Fans batches out with at most MaxParallelSends in flight. A batch that fails after its retries stays unsettled:
    // Commit leaves its members pending for the next run, so nothing is lost and the other batches still land.
    private static async Task SendAllAsync(IWorkflowContext context, string runId, RunPlan plan)
    {
        var parallel = Math.Max(1, plan.MaxParallelSends);
        var inFlight = new List<Task<bool>>();
        var next = 0;
        while (next < plan.BatchCount || inFlight.Count > 0)
        {
            while (inFlight.Count < parallel && next < plan.BatchCount)
            {
                inFlight.Add(SendOneAsync(context, runId, next++));
            }

            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            await done;
        }
    }

    private static async Task<bool> SendOneAsync(IWorkflowContext context, string runId, int number)
    {
        try
        {
            await context.CallActivityAsync<BatchSummary>(WorkflowNames.SendBatch, new SendBatchInput(runId, number));
            return true;
        }
        catch (WorkflowActivityException)
        {
            // Commit records the batch as failed; its members stay pending for the next run.
            return false;
        }
    }
}
