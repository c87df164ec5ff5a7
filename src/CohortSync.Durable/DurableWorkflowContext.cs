using CohortSync.Core.Workflow;
using Microsoft.DurableTask;

namespace CohortSync.Durable;

/// <summary>
/// The workflow-context port on a Durable orchestration: every call goes to <see cref="TaskOrchestrationContext"/>, so the
/// workflow stays replay-safe (its clock, timers and events are the orchestration's).
/// </summary>
internal sealed class DurableWorkflowContext : IWorkflowContext
{
    private readonly TaskOrchestrationContext _context;
    private readonly TaskOptions _activityOptions;

    public DurableWorkflowContext(TaskOrchestrationContext context, TaskOptions activityOptions)
    {
        _context = context;
        _activityOptions = activityOptions;
    }

    // A UTC DateTime, not a DateTimeOffset. SpecifyKind so that an Unspecified kind is never read as local time.
    public DateTimeOffset CurrentUtcDateTime => new(DateTime.SpecifyKind(_context.CurrentUtcDateTime, DateTimeKind.Utc));

    public async Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        try
        {
            return await _context.CallActivityAsync<TResult>(name, input, _activityOptions);
        }
        catch (TaskFailedException ex)
        {
            // What an activity's failure becomes once its retries are spent. Only the type name and message cross over.
            throw new WorkflowActivityException(name, ex.FailureDetails.ErrorType, ex.FailureDetails.ErrorMessage, ex);
        }
    }

    // CreateTimer(DateTime fireAt, CancellationToken) takes a UTC DateTime.
    public Task CreateTimerAsync(DateTimeOffset fireAt, CancellationToken cancellationToken) =>
        _context.CreateTimer(fireAt.UtcDateTime, cancellationToken);

    // Durable keeps an event raised before the orchestration waits for it (a decision can come first), so nothing is lost
    // between Prepare and the wait.
    public Task<T> WaitForEventAsync<T>(string name) => _context.WaitForExternalEvent<T>(name);
}
