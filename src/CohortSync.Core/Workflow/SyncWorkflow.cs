using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Workflow;

/// <summary>
/// One sync run: Prepare, Send fanned out over stored batches, Commit (the README's architecture). Written once against
/// <see cref="IWorkflowContext"/>; deterministic, so Durable can replay it. Members never pass through here.
/// </summary>
public static class SyncWorkflow
{
    /// <summary>Runs the workflow for one run.</summary>
    public static async Task<RunResult> RunAsync(IWorkflowContext context, RunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);

        // Notifications go beside the run's steps, never in their way: see RunNotifications.
        var notifications = new RunNotifications(context, input);
        var result = await RunStepsAsync(context, input, notifications);
        await notifications.FinishAsync(result);
        return result;
    }

    private static async Task<RunResult> RunStepsAsync(IWorkflowContext context, RunInput input, RunNotifications notifications)
    {
        try
        {
            if (input.ExportFirst)
            {
                var failure = await AwaitExportAsync(context, input);
                if (failure is not null)
                {
                    return failure;
                }
            }

            var plan = await context.CallActivityAsync<RunPlan>(WorkflowNames.Prepare, input);
            if (input.Mode == RunMode.DryRun)
            {
                return await context.CallActivityAsync<RunResult>(WorkflowNames.Commit, new CommitRunInput(input.RunId));
            }

            if (plan.Guarded)
            {
                notifications.Send(NotificationEvents.AwaitingApproval);
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

    /// <summary>The first wait between polls of an export; it doubles up to <see cref="MaxPollDelay"/>.</summary>
    public static readonly TimeSpan FirstPollDelay = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between polls of an export.</summary>
    public static readonly TimeSpan MaxPollDelay = TimeSpan.FromMinutes(1);

    // Requests the export and polls it, waiting between polls on durable timers with backoff, never inside an activity.
    // Returns the run's result when the run ends here (cohort unchanged, or the export missed its deadline).
    private static async Task<RunResult?> AwaitExportAsync(IWorkflowContext context, RunInput input)
    {
        var ticket = await context.CallActivityAsync<ExportTicket>(WorkflowNames.StartExport, input);
        if (ticket.State == ExportState.Unchanged)
        {
            return await context.CallActivityAsync<RunResult>(WorkflowNames.Commit, new CommitRunInput(input.RunId));
        }

        var delay = ticket.FirstPollDelay ?? FirstPollDelay;
        while (ticket.State == ExportState.Requested)
        {
            if (ticket.Deadline is { } deadline && context.CurrentUtcDateTime >= deadline)
            {
                var message = $"the export of cohort '{ticket.CohortId}' did not finish by its deadline ({deadline:u}); the source may be busy: "
                    + "run the sync again later, or raise the source's exportDeadlineMinutes setting";
                return await context.CallActivityAsync<RunResult>(WorkflowNames.Fail, new FailRunInput(input.RunId, message));
            }

            await context.CreateTimerAsync(context.CurrentUtcDateTime + delay, CancellationToken.None);
            delay = delay * 2 > MaxPollDelay ? MaxPollDelay : delay * 2;
            ticket = await context.CallActivityAsync<ExportTicket>(WorkflowNames.PollExport, input);
        }

        return null;
    }

    /// <summary>
    /// The lanes a run's batches are sent in: <see cref="RunPlan.MaxParallelSends"/>, or fewer when there are fewer batches
    /// (at least one). Each lane sends one batch at a time and owns 1 / lanes of the destination's rate.
    /// </summary>
    public static int Lanes(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Math.Max(1, Math.Min(plan.MaxParallelSends, plan.BatchCount));
    }

    /// <summary>The lane batch <paramref name="batchNumber"/> is sent in: its number modulo <see cref="Lanes"/>.</summary>
    public static int LaneOf(RunPlan plan, int batchNumber) => batchNumber % Lanes(plan);

    // Fans batches out in Lanes(plan) lanes: lane s sends batches s, s + lanes, s + 2 x lanes, ... one after another, so at
    // most that many are in flight and each batch's lane is known to its send (SendBatchActivity), which paces its requests
    // on the lane's moments of the rate. A send goes on with its lane's next batches for a while and says which it reached
    // (BatchSummary.Through); the lane resumes after it. A batch that fails after its retries stays unsettled: Commit
    // leaves its members pending for the next run, so nothing is lost and the lane goes on with its next batch.
    private static Task SendAllAsync(IWorkflowContext context, string runId, RunPlan plan)
    {
        var lanes = Lanes(plan);
        return Task.WhenAll(Enumerable.Range(0, lanes).Select(lane => SendLaneAsync(context, runId, plan.BatchCount, lane, lanes)));
    }

    private static async Task SendLaneAsync(IWorkflowContext context, string runId, int batchCount, int lane, int lanes)
    {
        for (var number = lane; number < batchCount; number += lanes)
        {
            var through = await SendOneAsync(context, runId, number, lanes);
            if (through > number && (through - number) % lanes == 0)
            {
                number = through;
            }
        }
    }

    // Returns the last batch of the lane the send settled (itself, or further when it went on), or the batch itself
    // when it failed.
    private static async Task<int> SendOneAsync(IWorkflowContext context, string runId, int number, int lanes)
    {
        try
        {
            var summary = await context.CallActivityAsync<BatchSummary>(WorkflowNames.SendBatch, new SendBatchInput(runId, number, lanes));
            return summary?.Through ?? number;
        }
        catch (WorkflowActivityException)
        {
            // Commit records the batch as failed; its members stay pending for the next run.
            return number;
        }
    }
}
