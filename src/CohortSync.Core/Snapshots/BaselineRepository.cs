using CohortSync.Core.Errors;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Reads and commits a sync's baseline as a base segment plus delta segments (<see cref="SnapshotManifest"/>). A commit
/// writes only the run's accepted changes, so storage per run grows with the change, not the cohort; once the deltas add up
/// to a quarter of the base (or 16 segments), the commit writes a fresh base instead and drops the old segments.
/// </summary>
public sealed class BaselineRepository
{
    private const int MaxDeltaSegments = 16;
    private const int MaxAppliedRunsKept = 32;
    private readonly ISnapshotStore _store;

    /// <summary>Creates the repository.</summary>
    public BaselineRepository(ISnapshotStore store) => _store = store;

    /// <summary>Loads the baseline; empty for a sync that never committed.</summary>
    public async Task<Snapshot> LoadAsync(string syncId, CancellationToken cancellationToken = default)
    {
        var manifest = await _store.GetManifestAsync(syncId, cancellationToken);
        return manifest is null ? Snapshot.Empty : await LoadAsync(manifest.Value, cancellationToken);
    }

    /// <summary>Reads the member count recorded in the manifest, without reading segments.</summary>
    public async Task<int> CountAsync(string syncId, CancellationToken cancellationToken = default) =>
        (await _store.GetManifestAsync(syncId, cancellationToken))?.Value.MemberCount ?? 0;

    /// <summary>
    /// Applies a run's accepted changes (sorted, as the diff produced them) to the baseline. Idempotent per run: a run whose
    /// changes are already applied changes nothing. Returns the baseline's member count afterwards.
    /// </summary>
    /// <param name="syncId">The sync.</param>
    /// <param name="runId">The run whose changes these are.</param>
    /// <param name="acceptedChanges">The accepted changes, in snapshot order.</param>
    /// <param name="exactDelta">True when the changes are an incremental diff against this very baseline (adds are new
    /// keys, removes are present ones), so the new member count follows from the manifest without reading the baseline;
    /// false for a full run, whose adds may repeat members.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public async Task<int> CommitAsync(string syncId, string runId, IReadOnlyList<SnapshotChange> acceptedChanges, bool exactDelta = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(acceptedChanges);
        for (var attempt = 0; ; attempt++)
        {
            var current = await _store.GetManifestAsync(syncId, cancellationToken);
            var manifest = current?.Value ?? new SnapshotManifest { SyncId = syncId };
            if (manifest.AppliedRuns.Contains(runId, StringComparer.Ordinal) || acceptedChanges.Count == 0)
            {
                return manifest.MemberCount;
            }

            // A delta commit of an incremental run needs no baseline: the count follows from the manifest. Only compaction
            // (or a full run) reads it, which keeps commit's memory and time proportional to the change.
            var deltaRecords = manifest.Deltas.Sum(d => d.Records) + acceptedChanges.Count;
            var counted = manifest.MemberCount
                + acceptedChanges.Count(c => c.Kind == ChangeKind.Add)
                - acceptedChanges.Count(c => c.Kind == ChangeKind.Remove);
            var compact = manifest.Base is null
                || manifest.Deltas.Count + 1 > MaxDeltaSegments
                || deltaRecords > Math.Max(1000, counted / 4);
            Snapshot? next = null;
            if (compact || !exactDelta)
            {
                next = (await LoadAsync(manifest, cancellationToken)).Apply(acceptedChanges);
                counted = next.Count;
                compact = compact || deltaRecords > Math.Max(1000, counted / 4);
            }

            SnapshotManifest updated;
            if (compact)
            {
                var segment = new SegmentInfo("b-" + runId, next!.Count);
                await _store.WriteSegmentAsync(syncId, segment.SegmentId, SnapshotCodec.Encode(next), cancellationToken);
                updated = manifest with { Base = segment, Deltas = [] };
            }
            else
            {
                var segment = new SegmentInfo("d-" + runId, acceptedChanges.Count);
                await _store.WriteSegmentAsync(syncId, segment.SegmentId, SnapshotCodec.Encode(acceptedChanges), cancellationToken);
                updated = manifest with { Deltas = [.. manifest.Deltas, segment] };
            }

            updated = updated with
            {
                MemberCount = counted,
                AppliedRuns = [.. manifest.AppliedRuns.TakeLast(MaxAppliedRunsKept - 1), runId],
            };

            try
            {
                await _store.SaveManifestAsync(updated, current?.ETag, cancellationToken);
            }
            catch (ConcurrencyException) when (attempt < 3)
            {
                continue;
            }

            if (compact)
            {
                foreach (var old in manifest.Deltas.Append(manifest.Base).OfType<SegmentInfo>())
                {
                    await _store.DeleteSegmentAsync(syncId, old.SegmentId, cancellationToken);
                }
            }

            return counted;
        }
    }

    private async Task<Snapshot> LoadAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var snapshot = manifest.Base is null
            ? Snapshot.Empty
            : SnapshotCodec.DecodeSnapshot(await _store.ReadSegmentAsync(manifest.SyncId, manifest.Base.SegmentId, cancellationToken));
        foreach (var delta in manifest.Deltas)
        {
            var changes = SnapshotCodec.Decode(await _store.ReadSegmentAsync(manifest.SyncId, delta.SegmentId, cancellationToken));
            snapshot = snapshot.Apply(changes);
        }

        return snapshot;
    }
}
