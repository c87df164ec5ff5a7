namespace CohortSync.Core.Workflow;

/// <summary>
/// The workflow-context port: all a workflow may do. The Durable orchestrator adapts <c>TaskOrchestrationContext</c> to it;
/// the local runner implements it in-process. Workflow code must be deterministic: it reads time only from
/// <see cref="CurrentUtcDateTime"/>, waits only with <see cref="CreateTimerAsync"/>, and does I/O only through activities.
/// </summary>
public interface IWorkflowContext
{
    /// <summary>The workflow's current time (replay-safe).</summary>
    DateTimeOffset CurrentUtcDateTime { get; }

    /// <summary>
    /// Calls an activity, with the engine's retry policy. A failure that outlives its retries throws
    /// <see cref="WorkflowActivityException"/>.
    /// </summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object input);

    /// <summary>Waits until a time (a durable timer).</summary>
    Task CreateTimerAsync(DateTimeOffset fireAt, CancellationToken cancellationToken);

    /// <summary>Waits for an external event (for example an approval).</summary>
    Task<T> WaitForEventAsync<T>(string name);
}

/// <summary>An activity failed after the engine's retries. Carries the failure's type name and message, never its data.</summary>
public sealed class WorkflowActivityException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowActivityException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public WorkflowActivityException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public WorkflowActivityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public WorkflowActivityException(string activity, string errorType, string message, Exception? innerException = null)
        : base($"{activity} failed: {message}", innerException)
    {
        Activity = activity;
        ErrorType = errorType;
        ErrorMessage = message;
    }

    /// <summary>The activity.</summary>
    public string? Activity { get; }

    /// <summary>The full type name of the original exception.</summary>
    public string? ErrorType { get; }

    /// <summary>The original message.</summary>
    public string? ErrorMessage { get; }
}
