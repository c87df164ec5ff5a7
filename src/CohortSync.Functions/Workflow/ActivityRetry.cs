using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using Microsoft.DurableTask;

namespace CohortSync.Functions.Workflow;

/// <summary>
/// The retry budget of an activity call (style guide, convention 10): the connectors' HTTP handler retries for seconds;
/// this policy retries a failed activity for minutes; nothing else retries.
/// </summary>
/// <remarks>
/// Five attempts, waiting 1, 2, 4 and 8 minutes between them (about a quarter of an hour in all), so an outage of a few
/// minutes at a destination costs no batch. Failures that another attempt cannot cure are not retried: they are the
/// local runner's list (<c>LocalWorkflowContext.IsTransient</c>), kept the same by hand. A failure this check cannot
/// classify is retried, so a misjudgement costs attempts, never a batch. A destination's Retry-After is honoured by the
/// HTTP handler within its seconds; a declarative policy cannot read it (the local runner can).
/// The policy is a constant on purpose: the orchestrator replays with it, so it must not change under a running run.
/// </remarks>
internal static class ActivityRetry
{
    // RetryPolicy(maxNumberOfAttempts, firstRetryInterval, backoffCoefficient, maxRetryInterval) and its HandleFailure filter:
    // functions-worker-api.md §5. HandleFailure shipped in Worker.Extensions.DurableTask 1.1.6 (microsoft/durabletask-dotnet#314).

    /// <summary>The options every activity call takes.</summary>
    public static TaskOptions Options { get; } = TaskOptions.FromRetryPolicy(
        new RetryPolicy(
            maxNumberOfAttempts: 5,
            firstRetryInterval: TimeSpan.FromMinutes(1),
            backoffCoefficient: 2.0,
            maxRetryInterval: TimeSpan.FromMinutes(10))
        {
            HandleFailure = failure => !IsPermanent(failure),
        });

    // TaskFailureDetails(ErrorType, ErrorMessage, StackTrace, InnerFailure) and IsCausedBy<T>() are not on the reference
    // page; they are public in Microsoft.DurableTask.Abstractions (src/Abstractions/TaskFailureDetails.cs). IsCausedBy loads
    // the type named by ErrorType and accepts subclasses. The inner failures are checked too, because older worker
    // extensions reported an activity's exception wrapped (Azure/azure-functions-durable-extension#2762, #3050).
    private static bool IsPermanent(TaskFailureDetails? failure)
    {
        for (var f = failure; f is not null; f = f.InnerFailure)
        {
            if (f.IsCausedBy<DestinationAuthException>()
                || f.IsCausedBy<DestinationRejectedException>()
                || f.IsCausedBy<ValidationException>()
                || f.IsCausedBy<NotFoundException>()
                || f.IsCausedBy<MalformedSourceException>()
                || f.IsCausedBy<FormatException>()
                || f.IsCausedBy<InvalidDataException>()
                || f.IsCausedBy<ArgumentException>()
                || f.IsCausedBy<NotSupportedException>())
            {
                return true;
            }
        }

        return false;
    }
}
