namespace CohortSync.Core.Runs;

/// <summary>The status helpers: which statuses are final, how a run that sent ended, and what each status means.</summary>
public static class RunStatuses
{
    /// <summary>True once a run can change no more.</summary>
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.CompletedWithRejections or RunStatus.PartlyFailed
            or RunStatus.DryRunCompleted or RunStatus.Rejected or RunStatus.Failed;

    /// <summary>
    /// How a run that sent its batches ended, from what Commit counted: <see cref="RunStatus.Failed"/> when batches
    /// failed and the destination accepted none of the changes (nothing landed); <see cref="RunStatus.PartlyFailed"/>
    /// when batches failed but changes were accepted; <see cref="RunStatus.CompletedWithRejections"/> when every batch
    /// settled and the destination refused members; otherwise <see cref="RunStatus.Completed"/>. Members the plan left
    /// out before sending (unmatched or invalid) are not changes the destination answered, so they do not count here.
    /// </summary>
    /// <param name="outcome">The run's outcome.</param>
    public static RunStatus Of(RunOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome switch
        {
            { FailedBatches: > 0, Accepted: 0, Skipped: 0 } => RunStatus.Failed,
            { FailedBatches: > 0 } => RunStatus.PartlyFailed,
            { Rejected: > 0 } => RunStatus.CompletedWithRejections,
            _ => RunStatus.Completed,
        };
    }

    /// <summary>What a status means, for people reading the API (its OpenAPI document) or a report.</summary>
    /// <param name="status">The status.</param>
    public static string Describe(RunStatus status) => status switch
    {
        RunStatus.Pending => "Created, not yet prepared.",
        RunStatus.Sending => "Prepared: its batches are stored and being sent.",
        RunStatus.AwaitingApproval => "Held by the removal guardrail: nothing is sent until someone approves or rejects it.",
        RunStatus.Completed => "Finished: the destination accepted every change (or the cohort was unchanged and nothing needed sending).",
        RunStatus.CompletedWithRejections =>
            "Finished: every batch settled, but the destination refused some members (outcome.rejected, by reason in outcome.rejectReasons); they stay out of the baseline.",
        RunStatus.PartlyFailed =>
            "Finished with changes accepted, but some batches failed after retries (outcome.failedBatches): their changes (outcome.failed) stay pending and the next run sends them again.",
        RunStatus.DryRunCompleted => "A dry run finished: the plan shows what would be sent; nothing was sent or stored.",
        RunStatus.Rejected => "A run held by the guardrail was rejected by a person: nothing was sent.",
        RunStatus.Failed =>
            "Failed (see error): the run could not prepare or finish (a bad source, an export past its deadline, ...), or its batches failed and the destination accepted none of its changes. The baseline is as it was; the next run tries again.",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a run status"),
    };
}
