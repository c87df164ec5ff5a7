using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Notifications;

/// <summary>
/// The workflow's side of notifications, off the run's critical path: each event is a <see cref="WorkflowNames.Notify"/>
/// activity the workflow starts and does not wait for (the start beside the run's first step, the guardrail's hold beside
/// the wait for a decision), and whose failure is swallowed; the run's own steps never wait for one, and its status is
/// decided before its last event is sent. The workflow waits for them all only once the run has ended, so no activity is
/// left behind its orchestration. Nothing happens for a run with no targets (<see cref="RunInput.Notify"/>) or a dry run.
/// </summary>
public sealed class RunNotifications
{
    private readonly IWorkflowContext _context;
    private readonly RunInput _input;
    private readonly List<Task> _sent = [];

    /// <summary>Creates the notifications of a run and sends its <see cref="NotificationEvents.Started"/> event.</summary>
    public RunNotifications(IWorkflowContext context, RunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        _context = context;
        _input = input;
        Send(NotificationEvents.Started);
    }

    /// <summary>True when the run notifies at all.</summary>
    public bool Enabled => _input.Notify && _input.Mode != RunMode.DryRun;

    /// <summary>Sends an event without waiting for it.</summary>
    public void Send(string notificationEvent)
    {
        if (Enabled)
        {
            _sent.Add(SendAsync(notificationEvent));
        }
    }

    /// <summary>Sends the event of how the run ended, then waits for every event sent (each bounded by its retry budget).</summary>
    public Task FinishAsync(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (NotificationEvents.ForStatus(result.Status) is { } ended && ended != NotificationEvents.AwaitingApproval)
        {
            Send(ended);
        }

        return Task.WhenAll(_sent);
    }

    private async Task SendAsync(string notificationEvent)
    {
        try
        {
            await _context.CallActivityAsync<NotifyRunResult>(WorkflowNames.Notify, new NotifyRunInput(_input.RunId, notificationEvent));
        }
        catch (WorkflowActivityException)
        {
            // The activity records what it could not deliver on the run; a failure of the activity itself (its store, after
            // the engine's retries) must not change how the run ended either.
        }
    }
}
