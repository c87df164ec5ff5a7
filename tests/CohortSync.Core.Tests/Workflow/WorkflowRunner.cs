namespace CohortSync.Core.Tests.Workflow;

/// <summary>
/// Runs a workflow on the test thread, one step at a time, the way a replaying engine does: continuations are queued on
/// this single-threaded synchronization context and drained after every step, so a run is fully deterministic and no
/// test ever sleeps.
/// </summary>
internal sealed class WorkflowRunner : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

    /// <summary>Starts a workflow and runs it until it waits on something.</summary>
    public Task<T> Start<T>(Func<Task<T>> workflow)
    {
        Task<T>? task = null;
        Step(() =>
        {
            task = workflow();
            return true;
        });
        return task!;
    }

    /// <summary>Does one thing on the workflow's thread (complete an activity, raise an event), then runs until idle.</summary>
    public bool Step(Func<bool> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            var acted = action();
            while (_queue.TryDequeue(out var item))
            {
                item.Callback(item.State);
            }

            return acted;
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Completes activities and raises scripted events until the workflow ends.</summary>
    public T RunToCompletion<T>(Task<T> task, RecordingWorkflowContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(context);
        while (!task.IsCompleted)
        {
            if (!Step(context.TryCompleteNext) && !Step(context.TryRaiseScriptedEvent))
            {
                throw new InvalidOperationException("the workflow is stuck:\n" + string.Join("\n", context.Log));
            }
        }

        return task.GetAwaiter().GetResult();
    }

    public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));

    public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("workflows never block on their context");

    public override SynchronizationContext CreateCopy() => this;
}
