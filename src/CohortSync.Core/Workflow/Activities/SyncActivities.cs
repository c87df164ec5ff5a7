namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Dispatches an activity by name to its class: what the local runner calls. (The Functions app has one function per
/// activity instead, each a one-line call into the same classes.)
/// </summary>
public sealed class SyncActivities
{
    private readonly PrepareRunActivity _prepare;
    private readonly SendBatchActivity _send;
    private readonly CommitRunActivity _commit;
    private readonly FailRunActivity _fail;
    private readonly StartExportActivity _startExport;
    private readonly PollExportActivity _pollExport;

    /// <summary>Creates the dispatcher.</summary>
    public SyncActivities(
        PrepareRunActivity prepare,
        SendBatchActivity send,
        CommitRunActivity commit,
        FailRunActivity fail,
        StartExportActivity startExport,
        PollExportActivity pollExport)
    {
        _startExport = startExport;
        _pollExport = pollExport;
        _prepare = prepare;
        _send = send;
        _commit = commit;
        _fail = fail;
    }

    /// <summary>The input type each activity takes.</summary>
    public static Type InputTypeOf(string name) => name switch
    {
        WorkflowNames.Prepare or WorkflowNames.StartExport or WorkflowNames.PollExport => typeof(RunInput),
        WorkflowNames.SendBatch => typeof(SendBatchInput),
        WorkflowNames.Commit => typeof(CommitRunInput),
        WorkflowNames.Fail => typeof(FailRunInput),
        _ => throw new ArgumentException($"unknown activity '{name}'", nameof(name)),
    };

    /// <summary>Runs an activity.</summary>
    public async Task<object> InvokeAsync(string name, object input, CancellationToken cancellationToken) => name switch
    {
        WorkflowNames.StartExport => await _startExport.RunAsync((RunInput)input, cancellationToken),
        WorkflowNames.PollExport => await _pollExport.RunAsync((RunInput)input, cancellationToken),
        WorkflowNames.Prepare => await _prepare.RunAsync((RunInput)input, cancellationToken),
        WorkflowNames.SendBatch => await _send.RunAsync((SendBatchInput)input, cancellationToken),
        WorkflowNames.Commit => await _commit.RunAsync((CommitRunInput)input, cancellationToken),
        WorkflowNames.Fail => await _fail.RunAsync((FailRunInput)input, cancellationToken),
        _ => throw new ArgumentException($"unknown activity '{name}'", nameof(name)),
    };
}
