using CohortSync.Core.Workflow;
using Microsoft.DurableTask;

namespace CohortSync.Functions.Workflow;

/// <summary>
/// The workflow-context port on a Durable orchestration: every call goes to <see cref="TaskOrchestrationContext"/>, so the
/// workflow stays replay-safe (its clock, timers and events are the orchestration's).
/// </summary>
internal sealed class DurableWorkflowContext : IWorkflowContext
{
    private readonly TaskOrchestrationContext _context;

    public DurableWorkflowContext(TaskOrchestrationContext context)
    {
        _context = context;
    }

    // §4: a UTC DateTime, not a DateTimeOffset. SpecifyKind so that an Unspecified kind is never read as local time.
    public DateTimeOffset CurrentUtcDateTime => new(DateTime.SpecifyKind(_context.CurrentUtcDateTime, DateTimeKind.Utc));

    public async Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        try
        {
            // §4 CallActivityAsync<TResult>(TaskName, object?, TaskOptions?); a string converts to TaskName (§3).
            return await _context.CallActivityAsync<TResult>(name, input, ActivityRetry.Options);
        }
        catch (TaskFailedException ex)
        {
            // TaskFailedException (Microsoft.DurableTask, src/Abstractions/TaskFailedException.cs; not on the reference page)
            // is what an activity's failure becomes once its retries are spent. Only the type name and message cross over.
            throw new WorkflowActivityException(name, ex.FailureDetails.ErrorType, ex.FailureDetails.ErrorMessage, ex);
        }
    }

    // §4: CreateTimer(DateTime fireAt, CancellationToken) takes a UTC DateTime.
    public Task CreateTimerAsync(DateTimeOffset fireAt, CancellationToken cancellationToken) =>
        _context.CreateTimer(fireAt.UtcDateTime, cancellationToken);

    // §4 WaitForExternalEvent<T>(string, CancellationToken = default). Durable keeps an event raised before the orchestration
    // waits for it (a decision can come first), so nothing is lost between Prepare and the wait.
    public Task<T> WaitForEventAsync<T>(string name) => _context.WaitForExternalEvent<T>(name);
}
