namespace CohortSync.Core.Ports;

/// <summary>One stored segment of a baseline: a full base, or a delta of changes one run committed.</summary>
/// <param name="SegmentId">The segment id.</param>
/// <param name="Records">How many records it holds.</param>
public sealed record SegmentInfo(string SegmentId, int Records);

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

/// <summary>The snapshot-store port: segments of compressed chunks, and the manifest that ties them into a baseline.</summary>
public interface ISnapshotStore
{
    /// <summary>Reads a sync's manifest with its ETag, or null.</summary>
    Task<Versioned<SnapshotManifest>?> GetManifestAsync(string syncId, CancellationToken cancellationToken = default);

    /// <summary>Inserts (etag null) or replaces (etag given) the manifest; a stale etag throws <see cref="Errors.ConcurrencyException"/>.</summary>
    Task SaveManifestAsync(SnapshotManifest manifest, string? etag, CancellationToken cancellationToken = default);

    /// <summary>Writes a segment's chunks (each at most <see cref="Snapshots.SnapshotCodec.MaxChunkBytes"/>); overwrites a segment of the same id.</summary>
    Task WriteSegmentAsync(string syncId, string segmentId, IReadOnlyList<byte[]> chunks, CancellationToken cancellationToken = default);

    /// <summary>Reads a segment's chunks, in order (none for a missing segment).</summary>
    Task<IReadOnlyList<byte[]>> ReadSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a segment's chunks.</summary>
    Task DeleteSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default);
}
