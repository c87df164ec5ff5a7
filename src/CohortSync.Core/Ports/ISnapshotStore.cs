namespace CohortSync.Core.Ports;

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
