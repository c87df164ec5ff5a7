namespace CohortSync.Core.Runs;

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

    /// <summary>True when the run has notification targets (its sync's or the defaults) when it started.</summary>
    public bool Notify { get; init; }

    /// <summary>The run's notifications and how each delivery went (null until one was sent).</summary>
    public IReadOnlyList<Notifications.NotificationRecord>? Notifications { get; init; }
}
