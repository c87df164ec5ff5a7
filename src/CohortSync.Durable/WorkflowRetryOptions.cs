using System.ComponentModel.DataAnnotations;
using CohortSync.Core.Errors;
using Microsoft.DurableTask;

namespace CohortSync.Durable;

/// <summary>
/// The retry budget of every activity call, the one policy both hosts use (style guide, convention 10: the connectors' HTTP
/// handler retries for seconds, this policy for minutes, nothing else retries). Bound from <c>Workflow:Retry</c>.
/// </summary>
/// <remarks>
/// Defaults: five attempts, waiting 1, 2, 4 and 8 minutes between them (about a quarter of an hour), so an outage of a few
/// minutes at a destination costs no batch. Failures that another attempt cannot cure (<see cref="PermanentFailures"/>)
/// are not retried. A destination's Retry-After is honoured by the HTTP handler within its seconds; a declarative Durable
/// policy cannot read it. Durable timers have whole-second granularity, so intervals under a second act as one second.
/// The orchestrator reads these settings on every replay: change them between deployments, not under running runs.
/// </remarks>
public sealed class WorkflowRetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Workflow:Retry";

    /// <summary>Attempts in all, the first included. <value>Default 5.</value></summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry; each later wait doubles. <value>Default 1 minute.</value></summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FirstInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between attempts. <value>Default 10 minutes.</value></summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The options every activity call takes.</summary>
    public TaskOptions ToTaskOptions() => TaskOptions.FromRetryPolicy(
        new RetryPolicy(MaxAttempts, FirstInterval, backoffCoefficient: 2.0, maxRetryInterval: MaxInterval)
        {
            HandleFailure = failure => !IsPermanent(failure),
        });

    /// <summary>
    /// True when the failure, or one it wraps, is of a <see cref="PermanentFailures"/> type. The inner failures are checked
    /// too, because older worker extensions reported an activity's exception wrapped
    /// (Azure/azure-functions-durable-extension#2762, #3050).
    /// </summary>
    public static bool IsPermanent(TaskFailureDetails? failure)
    {
        for (var f = failure; f is not null; f = f.InnerFailure)
        {
            if (PermanentFailures.IsPermanent(f.ErrorType))
            {
                return true;
            }
        }

        return false;
    }
}
