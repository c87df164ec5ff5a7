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

/// <summary>How a run treats the baseline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunMode>))]
public enum RunMode
{
    /// <summary>Send only who entered and who left since the baseline.</summary>
    Incremental,

    /// <summary>Send every member again (and remove who left).</summary>
    Full,

    /// <summary>Work out what would be sent; send and store nothing.</summary>
    DryRun,
}

/// <summary>The record of one run: its plan, progress and outcome. Small: members never live here.</summary>
public sealed record RunRecord
{
    /// <summary>The run id (<c>{syncId}.{slot}.{kind}</c>).</summary>
    public required string RunId { get; init; }

    /// <summary>The sync.</summary>
    public required string SyncId { get; init; }

    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public required string Trigger { get; init; }

    /// <summary>Incremental, full or dry run.</summary>
    public RunMode Mode { get; init; }

    /// <summary>Where the run is.</summary>
    public RunStatus Status { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>True when the source exports asynchronously and the workflow polls the export first.</summary>
    public bool ExportFirst { get; init; }

    /// <summary>
    /// The source's version when the run started, for sources an <see cref="Ports.ISourceProbe"/> can read cheaply (null for
    /// an exporting source: its export's <see cref="Workflow.ExportTicket.ComputedAt"/> stands for it).
    /// </summary>
    public string? SourceVersion { get; init; }

    /// <summary>The fingerprint of the sync's definition when the run started (<see cref="Sources.SourceVersions.Fingerprint"/>).</summary>
    public string? SyncFingerprint { get; init; }

    /// <summary>The run's source export, once started.</summary>
    public Workflow.ExportTicket? Export { get; init; }

    /// <summary>The plan Prepare made, once it has.</summary>
    public RunPlan? Plan { get; init; }

    /// <summary>The outcome Commit recorded, once it has.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>Why it failed: a message for people, never a secret or a member identifier.</summary>
    public string? Error { get; init; }

    /// <summary>The approval decision, for a guarded run.</summary>
    public RunDecision? Decision { get; init; }
}

/// <summary>The decision on a guarded run.</summary>
/// <param name="Approved">True to send, false to drop the run.</param>
/// <param name="By">Who decided (free text, for the record).</param>
/// <param name="At">When.</param>
public sealed record RunDecision(bool Approved, string? By, DateTimeOffset At);

/// <summary>What Prepare found and stored: counts only.</summary>
public sealed record RunPlan
{
    /// <summary>Members read from the source.</summary>
    public int Members { get; init; }

    /// <summary>Members whose key appeared before (dropped, counted).</summary>
    public int Duplicates { get; init; }

    /// <summary>Members with no usable identifier.</summary>
    public int Unmatched { get; init; }

    /// <summary>Members the destination would refuse (invalid email, over-long id, ...): never sent.</summary>
    public int Invalid { get; init; }

    /// <summary>Unmatched and invalid members by reason.</summary>
    public IReadOnlyDictionary<string, int> SkipReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Members in the baseline before the run.</summary>
    public int Baseline { get; init; }

    /// <summary>Members to add.</summary>
    public int Adds { get; init; }

    /// <summary>Members to remove.</summary>
    public int Removes { get; init; }

    /// <summary>Members whose carried fields changed.</summary>
    public int Updates { get; init; }

    /// <summary>Stored batches.</summary>
    public int BatchCount { get; init; }

    /// <summary>Batches to send at once.</summary>
    public int MaxParallelSends { get; init; } = 4;

    /// <summary>True when the guardrail holds the run.</summary>
    public bool Guarded { get; init; }

    /// <summary>The destination container (list, cohort, tag) id.</summary>
    public string? ContainerId { get; init; }

    /// <summary>Notes for people (for example that Braze never creates users).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The credential's rate earlier runs learned (<see cref="Ports.SyncState.LearnedRequestsPerSecond"/>), which the sends start near.</summary>
    public double? LearnedRequestsPerSecond { get; init; }
}

/// <summary>What Commit recorded.</summary>
public sealed record RunOutcome
{
    /// <summary>Changes the destination accepted (now in the baseline).</summary>
    public int Accepted { get; init; }

    /// <summary>Changes the destination refused, with reasons below.</summary>
    public int Rejected { get; init; }

    /// <summary>Changes whose batch failed after retries before the destination answered for them: pending for the next
    /// run, which sends each again (see <see cref="UncertainAfter"/>).</summary>
    public int Failed { get; init; }

    /// <summary>Changes the destination settled without applying, for good (a user Iterable has forgotten): kept in the
    /// baseline so they are not sent again, counted apart from accepted and rejected ones.</summary>
    public int Skipped { get; init; }

    /// <summary>Skipped changes by reason.</summary>
    public IReadOnlyDictionary<string, int> SkippedReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Rejections by reason.</summary>
    public IReadOnlyDictionary<string, int> RejectReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Members the destination holds after the run, as far as CohortSync knows: every change for them settled.</summary>
    public int BaselineAfter { get; init; }

    /// <summary>
    /// Members whose delivery is uncertain after the run (a change for them did not settle, this run or an earlier one):
    /// the next run sends each again, as an add while it is in the cohort and as a remove once it is not, so none is left
    /// behind at the destination.
    /// </summary>
    public int UncertainAfter { get; init; }

    /// <summary>Batches that failed.</summary>
    public int FailedBatches { get; init; }

    /// <summary>Units the vendor bills that the run asked it to write (Braze's data points: one per attribute written; an
    /// id Braze ignores is asked for but not billed), summed over its settled batches; null for a vendor that bills none.</summary>
    public int? DataPoints { get; init; }
}
