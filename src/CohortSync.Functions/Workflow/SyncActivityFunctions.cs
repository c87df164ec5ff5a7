using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Workflow;

/// <summary>
/// One activity function per workflow activity, each a call into Core's activity class: the classes the local host's Durable
/// Task worker runs under the same names (<c>DurableRegistration.AddCohortSyncWorkflow</c>). Transient failures throw, so
/// the orchestrator's retry policy (<c>WorkflowRetryOptions</c>) retries them; the activities are idempotent per run.
/// </summary>
/// <remarks>
/// <see cref="FunctionContext"/>.CancellationToken is the invocation's token (the worker's own CancellationTokenConverter
/// binds a CancellationToken parameter from it; it is not on the reference page).
/// </remarks>
public sealed class SyncActivityFunctions
{
    private readonly StartExportActivity _startExport;
    private readonly PollExportActivity _pollExport;
    private readonly PrepareRunActivity _prepare;
    private readonly SendBatchActivity _send;
    private readonly CommitRunActivity _commit;
    private readonly FailRunActivity _fail;
    private readonly NotifyRunActivity _notify;

    /// <summary>Creates the functions.</summary>
    public SyncActivityFunctions(
        StartExportActivity startExport,
        PollExportActivity pollExport,
        PrepareRunActivity prepare,
        SendBatchActivity send,
        CommitRunActivity commit,
        FailRunActivity fail,
        NotifyRunActivity notify)
    {
        _startExport = startExport;
        _pollExport = pollExport;
        _prepare = prepare;
        _send = send;
        _commit = commit;
        _fail = fail;
        _notify = notify;
    }

    /// <summary>Requests the source's export (or finds the cohort unchanged, or shares another sync's export).</summary>
    [Function(WorkflowNames.StartExport)]
    public Task<ExportTicket> StartExportAsync([ActivityTrigger] RunInput input, FunctionContext context) =>
        _startExport.RunAsync(input, context.CancellationToken);

    /// <summary>Checks once whether the export is ready.</summary>
    [Function(WorkflowNames.PollExport)]
    public Task<ExportTicket> PollExportAsync([ActivityTrigger] RunInput input, FunctionContext context) =>
        _pollExport.RunAsync(input, context.CancellationToken);

    /// <summary>Reads, resolves and diffs the cohort and stores the batches.</summary>
    [Function(WorkflowNames.Prepare)]
    public Task<RunPlan> PrepareAsync([ActivityTrigger] RunInput input, FunctionContext context) =>
        _prepare.RunAsync(input, context.CancellationToken);

    /// <summary>Sends one stored batch.</summary>
    [Function(WorkflowNames.SendBatch)]
    public Task<BatchSummary> SendBatchAsync([ActivityTrigger] SendBatchInput input, FunctionContext context) =>
        _send.RunAsync(input, context.CancellationToken);

    /// <summary>Commits the accepted changes and writes the run report.</summary>
    [Function(WorkflowNames.Commit)]
    public Task<RunResult> CommitAsync([ActivityTrigger] CommitRunInput input, FunctionContext context) =>
        _commit.RunAsync(input, context.CancellationToken);

    /// <summary>Records a failed run and releases its sync.</summary>
    [Function(WorkflowNames.Fail)]
    public Task<RunResult> FailAsync([ActivityTrigger] FailRunInput input, FunctionContext context) =>
        _fail.RunAsync(input, context.CancellationToken);

    /// <summary>Sends one event of a run to its notification targets and records how each delivery went.</summary>
    [Function(WorkflowNames.Notify)]
    public Task<NotifyRunResult> NotifyAsync([ActivityTrigger] NotifyRunInput input, FunctionContext context) =>
        _notify.RunAsync(input, context.CancellationToken);
}
