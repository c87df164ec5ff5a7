using CohortSync.Core.Runs;

namespace CohortSync.Core.Ports;

/// <summary>The per-sync state: which run holds the sync, the last scheduled slot, the destination container.</summary>
public sealed record SyncState
{
    /// <summary>The sync.</summary>
    public required string SyncId { get; init; }

    /// <summary>The run that holds the sync, if one is under way: a sync never has two runs at once.</summary>
    public string? ActiveRunId { get; init; }

    /// <summary>When <see cref="ActiveRunId"/> claimed the sync (a claim whose run record never appears is taken over after a minute).</summary>
    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>The latest schedule slot a run was started for.</summary>
    public DateTimeOffset? LastScheduledSlot { get; init; }

    /// <summary>When the source had last computed the cohort the baseline holds (skips unchanged exports).</summary>
    public DateTimeOffset? LastExportComputedAt { get; init; }

    /// <summary>The destination container id, once created.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The last run to finish, and how.</summary>
    public string? LastRunId { get; init; }

    /// <summary>The status of <see cref="LastRunId"/>.</summary>
    public RunStatus? LastRunStatus { get; init; }

    /// <summary>
    /// The version of the source (and of the sync's definition) the destination is in step with, recorded by the last run
    /// that completed with nothing pending; null when unknown. A scheduled slot whose source still has this version starts
    /// no run (see <see cref="Sources.SourceVersions"/>).
    /// </summary>
    public string? SourceVersion { get; init; }

    /// <summary>The scheduler's last check that found the source unchanged and so started no run.</summary>
    public SourceCheck? LastCheck { get; init; }

    /// <summary>The destination credential's rate (requests a second) the last run learned from 429s; the next run starts near it.</summary>
    public double? LearnedRequestsPerSecond { get; init; }
}
