using System.Text.Json.Serialization;

namespace CohortSync.Core.Runs;

/// <summary>
/// Where a run is in its life, and how it ended. <see cref="RunStatuses.Of"/> decides how a run that sent ended;
/// <see cref="RunStatuses.Describe"/> says what each status means (the OpenAPI document shows those words).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>Created, not yet prepared.</summary>
    Pending,

    /// <summary>Prepared: batches stored, sending.</summary>
    Sending,

    /// <summary>Held by the removal guardrail until someone approves or rejects it.</summary>
    AwaitingApproval,

    /// <summary>Finished: the destination accepted every change (or the cohort was unchanged and nothing needed sending).</summary>
    Completed,

    /// <summary>
    /// Finished: every batch settled, but the destination refused some members (<see cref="RunOutcome.Rejected"/>, by
    /// reason in <see cref="RunOutcome.RejectReasons"/>); they stay out of the baseline.
    /// </summary>
    CompletedWithRejections,

    /// <summary>
    /// Finished, with changes accepted, but some batches failed after retries (<see cref="RunOutcome.FailedBatches"/>):
    /// their changes (<see cref="RunOutcome.Failed"/>) stay pending and the next run sends them again.
    /// </summary>
    PartlyFailed,

    /// <summary>A dry run finished: nothing was sent or stored.</summary>
    DryRunCompleted,

    /// <summary>A guarded run was rejected by a person: nothing was sent.</summary>
    Rejected,

    /// <summary>
    /// Failed: see <see cref="RunRecord.Error"/>. The run could not prepare or finish (a bad source, an export past its
    /// deadline, ...), or its batches failed and the destination accepted none of its changes; the baseline was left as
    /// it was.
    /// </summary>
    Failed,
}
