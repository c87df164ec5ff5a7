namespace CohortSync.Core.Workflow;

/// <summary>
/// One activity of the run's workflow: a small serialisable input, a small serialisable result. Both hosts run these very
/// classes: the Functions app from its activity functions, the local host through the Durable Task worker.
/// </summary>
/// <typeparam name="TInput">The input (a run or batch reference, never members).</typeparam>
/// <typeparam name="TOutput">The result (counts and ids).</typeparam>
public interface IWorkflowActivity<in TInput, TOutput>
{
    /// <summary>Runs the activity. Transient failures throw so the engine retries; permanent ones are
    /// <see cref="Errors.PermanentFailures"/>.</summary>
    Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}
