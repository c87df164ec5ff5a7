using CohortSync.Core.Workflow;
using Microsoft.DurableTask;

namespace CohortSync.Durable;

/// <summary>
/// A Core activity as a Durable Task activity: the worker creates it from dependency injection and it calls the activity
/// class, which the Functions app's activity functions call too.
/// </summary>
/// <typeparam name="TActivity">The Core activity.</typeparam>
/// <typeparam name="TInput">Its input.</typeparam>
/// <typeparam name="TOutput">Its result.</typeparam>
public sealed class WorkflowActivity<TActivity, TInput, TOutput> : TaskActivity<TInput, TOutput>
    where TActivity : IWorkflowActivity<TInput, TOutput>
{
    private readonly TActivity _activity;

    /// <summary>Creates the adapter.</summary>
    public WorkflowActivity(TActivity activity)
    {
        _activity = activity;
    }

    /// <inheritdoc/>
    public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // The SDK gives an activity no cancellation token: a stopped worker's activity is abandoned, and the engine runs it
        // again elsewhere once its lock expires; the activities are idempotent per run.
        return _activity.RunAsync(input, CancellationToken.None);
    }
}
