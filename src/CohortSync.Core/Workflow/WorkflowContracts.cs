using CohortSync.Core.Runs;

namespace CohortSync.Core.Workflow;

/// <summary>The input of a run's workflow: small, serialisable.</summary>
/// <param name="RunId">The run (and workflow instance) id.</param>
/// <param name="SyncId">The sync.</param>
/// <param name="Mode">Incremental, full or dry run.</param>
/// <param name="ExportFirst">True when the source exports asynchronously (Amplitude): the workflow requests the export and
/// polls it with durable timers before Prepare.</param>
/// <param name="Notify">True when the run has notification targets (<see cref="RunRecord.Notify"/>): the workflow sends
/// its events (<see cref="Notifications.RunNotifications"/>). Left out of the serialised input when false, so a run without
/// notifications has the input it always had.</param>
public sealed record RunInput(
    string RunId,
    string SyncId,
    RunMode Mode,
    bool ExportFirst = false,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] bool Notify = false);

/// <summary>The input of the send activity: a reference to a stored batch, never its members.</summary>
/// <param name="RunId">The run.</param>
/// <param name="BatchNumber">The batch.</param>
/// <param name="Lanes">The lanes the workflow sends the run's batches in; above 0, the activity goes on with the batch's
/// lane (the batch number plus the lanes, plus twice the lanes, ...) for a while. 0 sends the one batch.</param>
public sealed record SendBatchInput(string RunId, int BatchNumber, int Lanes = 0);

/// <summary>What the send activity returns to the workflow: counts only.</summary>
/// <param name="Number">The batch.</param>
/// <param name="Accepted">Its members accepted.</param>
/// <param name="Rejected">Its members rejected.</param>
/// <param name="Through">The last batch of its lane the activity went on to settle, when it went on (see
/// <see cref="SendBatchInput.Lanes"/>); the workflow goes on after it.</param>
public sealed record BatchSummary(int Number, int Accepted, int Rejected, int? Through = null);

/// <summary>The input of the commit activity.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Rejected">True when a guarded run was rejected: record it, send and store nothing.</param>
public sealed record CommitRunInput(string RunId, bool Rejected = false);

/// <summary>The input of the fail activity.</summary>
public sealed record FailRunInput(string RunId, string Error);

/// <summary>What the workflow returns: the run's final status.</summary>
public sealed record RunResult(string RunId, RunStatus Status);

/// <summary>The activity and event names, shared by both engines.</summary>
public static class WorkflowNames
{
    /// <summary>The orchestration.</summary>
    public const string Orchestration = "SyncRun";

    /// <summary>Ask the source for an export (or find it unchanged, or shared with another sync).</summary>
    public const string StartExport = "StartExport";

    /// <summary>Check once whether a requested export is ready.</summary>
    public const string PollExport = "PollExport";

    /// <summary>Prepare: read, resolve, diff, store batches.</summary>
    public const string Prepare = "PrepareRun";

    /// <summary>Send one batch.</summary>
    public const string SendBatch = "SendBatch";

    /// <summary>Commit accepted changes to the baseline and write the report.</summary>
    public const string Commit = "CommitRun";

    /// <summary>Record a failure and release the sync.</summary>
    public const string Fail = "FailRun";

    /// <summary>Send one event of a run to its notification targets (never fails the run).</summary>
    public const string Notify = "NotifyRun";

    /// <summary>The event that carries an approval decision.</summary>
    public const string DecisionEvent = "RunDecision";
}
