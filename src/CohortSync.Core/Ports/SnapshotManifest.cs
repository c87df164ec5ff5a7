namespace CohortSync.Core.Ports;

/// <summary>
/// The manifest of a sync's baseline: a base segment and the delta segments committed since, applied in order. Storage per
/// run grows with the change, not the cohort, until deltas are compacted into a new base.
/// </summary>
public sealed record SnapshotManifest
{
    /// <summary>The sync.</summary>
    public required string SyncId { get; init; }

    /// <summary>The base segment, if any.</summary>
    public SegmentInfo? Base { get; init; }

    /// <summary>Delta segments, oldest first.</summary>
    public IReadOnlyList<SegmentInfo> Deltas { get; init; } = [];

    /// <summary>Members in the baseline, <see cref="Uncertain"/> ones included.</summary>
    public int MemberCount { get; init; }

    /// <summary>Members whose last change did not settle (<see cref="Snapshots.ChangeKind.Uncertain"/>).</summary>
    public int Uncertain { get; init; }

    /// <summary>The runs whose deltas are applied (so a repeated commit is a no-op).</summary>
    public IReadOnlyList<string> AppliedRuns { get; init; } = [];
}
