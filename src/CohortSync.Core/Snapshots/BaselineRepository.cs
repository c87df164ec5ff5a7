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

    /// <summary>Reads the baseline's segments, compressed, to stream them (one manifest read and one read a segment).</summary>
    public async Task<StoredBaseline> ReadAsync(string syncId, CancellationToken cancellationToken = default)
    {
        var manifest = await _store.GetManifestAsync(syncId, cancellationToken);
        return manifest is null ? StoredBaseline.None : await ReadSegmentsAsync(manifest.Value, cancellationToken);
    }

    /// <summary>
    /// Reads the manifest now and the segments in the background (Prepare parses the cohort meanwhile): the member count the
    /// manifest records, and the segments to come. The caller awaits <see cref="PendingBaseline.Segments"/>, also on failure.
    /// </summary>
    public async Task<PendingBaseline> BeginReadAsync(string syncId, CancellationToken cancellationToken = default)
    {
        var manifest = await _store.GetManifestAsync(syncId, cancellationToken);
        return manifest is null
            ? new PendingBaseline(0, Task.FromResult(StoredBaseline.None))
            : new PendingBaseline(manifest.Value.MemberCount, Task.Run(() => ReadSegmentsAsync(manifest.Value, cancellationToken), cancellationToken));
    }

    /// <summary>Whether the baseline holds an encoded key, streaming it rather than loading it.</summary>
    public async Task<bool> ContainsAsync(string syncId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var stored = await ReadAsync(syncId, cancellationToken);
        var hash = KeyHasher.Hash(key);
        using var cursor = stored.Open();
        while (cursor.MoveNext() && cursor.Hash <= hash)
        {
            if (Utf8Keys.Compare(cursor.Hash, cursor.Key, hash, key) == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads the baseline's size recorded in the manifest, without reading segments.</summary>
    public async Task<BaselineSize> CountAsync(string syncId, CancellationToken cancellationToken = default) =>
        (await _store.GetManifestAsync(syncId, cancellationToken))?.Value is { } manifest ? SizeOf(manifest) : default;

    /// <summary>
    /// Applies a run's accepted changes (sorted, as the diff produced them) to the baseline. Idempotent per run: a run whose
    /// changes are already applied changes nothing. Returns the baseline's size afterwards.
    /// </summary>
    /// <param name="syncId">The sync.</param>
    /// <param name="runId">The run whose changes these are.</param>
    /// <param name="acceptedChanges">The accepted changes, in snapshot order.</param>
    /// <param name="exactDelta">True when the changes are an incremental diff against this very baseline (adds are new
    /// keys, removes are present ones), so the new member count follows from the manifest without reading the baseline;
    /// false for a full run, whose adds may repeat members.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public Task<BaselineSize> CommitAsync(string syncId, string runId, IReadOnlyList<SnapshotChange> acceptedChanges, bool exactDelta = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(acceptedChanges);
        var delta = new ChangeSetWriter();
        foreach (var change in acceptedChanges)
        {
            delta.Add(change);
        }

        return CommitAsync(syncId, runId, delta.Finish(), exactDelta, cancellationToken);
    }

    /// <summary>
    /// Applies a run's accepted changes, already encoded by a <see cref="ChangeSetWriter"/> (a commit of millions of changes
    /// never holds them as strings), with the members whose changes did not settle marked
    /// <see cref="ChangeKind.Uncertain"/>. Idempotent per run. Returns the baseline's size afterwards.
    /// </summary>
    /// <param name="syncId">The sync.</param>
    /// <param name="runId">The run whose changes these are.</param>
    /// <param name="delta">The accepted changes and uncertain members, encoded in snapshot order.</param>
    /// <param name="exactDelta">As in the other overload.</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    public async Task<BaselineSize> CommitAsync(string syncId, string runId, EncodedChanges delta, bool exactDelta = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delta);
        for (var attempt = 0; ; attempt++)
        {
            var current = await _store.GetManifestAsync(syncId, cancellationToken);
            var manifest = current?.Value ?? new SnapshotManifest { SyncId = syncId };
            if (manifest.AppliedRuns.Contains(runId, StringComparer.Ordinal) || delta.Records == 0)
            {
                return SizeOf(manifest);
            }

            // A delta commit of an incremental run needs no baseline: the count follows from the manifest. Only compaction
            // (or a full run, or a run before or after one whose changes did not all settle) reads it, which keeps commit's
            // memory and time proportional to the change.
            var deltaRecords = manifest.Deltas.Sum(d => d.Records) + delta.Records;
            var counted = manifest.MemberCount + delta.Adds - delta.Removes;
            var uncertain = manifest.Uncertain;
            var compact = manifest.Base is null
                || manifest.Deltas.Count + 1 > MaxDeltaSegments
                || deltaRecords > Math.Max(1000, counted / 4);
            StoredBaseline? stored = null;
            if (!compact && !(exactDelta && uncertain == 0 && delta.Uncertain == 0))
            {
                // A full run's adds may repeat members, and an uncertain member may be added or marked again: count by
                // merging the changes into the stored baseline, streamed.
                stored = await ReadSegmentsAsync(manifest, cancellationToken);
                using var cursor = stored.Open(delta.Chunks);
                (counted, uncertain) = (0, 0);
                while (cursor.MoveNext())
                {
                    counted++;
                    uncertain += cursor.Kind == ChangeKind.Uncertain ? 1 : 0;
                }

                compact = deltaRecords > Math.Max(1000, counted / 4);
            }

            SnapshotManifest updated;
            if (compact)
            {
                // Merge the stored baseline and the changes straight into a new base, one chunk at a time.
                stored ??= await ReadSegmentsAsync(manifest, cancellationToken);
                var encoder = new SnapshotEncoder();
                uncertain = 0;
                using (var cursor = stored.Open(delta.Chunks))
                {
                    while (cursor.MoveNext())
                    {
                        encoder.Write(cursor.Kind, cursor.Key, cursor.Payload, cursor.HasPayload);
                        uncertain += cursor.Kind == ChangeKind.Uncertain ? 1 : 0;
                    }
                }

                counted = encoder.Records;
                var segment = new SegmentInfo("b-" + runId, counted);
                await _store.WriteSegmentAsync(syncId, segment.SegmentId, encoder.Finish(), cancellationToken);
                updated = manifest with { Base = segment, Deltas = [] };
            }
            else
            {
                var segment = new SegmentInfo("d-" + runId, delta.Records);
                await _store.WriteSegmentAsync(syncId, segment.SegmentId, delta.Chunks, cancellationToken);
                updated = manifest with { Deltas = [.. manifest.Deltas, segment] };
            }

            updated = updated with
            {
                MemberCount = counted,
                Uncertain = uncertain,
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

            return SizeOf(updated);
        }
    }

    private static BaselineSize SizeOf(SnapshotManifest manifest) => new(manifest.MemberCount - manifest.Uncertain, manifest.Uncertain);

    private async Task<StoredBaseline> ReadSegmentsAsync(SnapshotManifest manifest, CancellationToken cancellationToken)
    {
        var segments = new List<IReadOnlyList<byte[]>>(manifest.Deltas.Count + 1);
        if (manifest.Base is not null)
        {
            segments.Add(await _store.ReadSegmentAsync(manifest.SyncId, manifest.Base.SegmentId, cancellationToken));
        }

        foreach (var delta in manifest.Deltas)
        {
            segments.Add(await _store.ReadSegmentAsync(manifest.SyncId, delta.SegmentId, cancellationToken));
        }

        return new StoredBaseline(manifest.MemberCount, segments);
    }
}

/// <summary>
/// A baseline's stored segments, compressed (about 10 bytes a member), read once and streamed as often as needed: each
/// <see cref="Open()"/> decodes them one chunk at a time, base and deltas merged.
/// </summary>
public sealed class StoredBaseline
{
    private readonly IReadOnlyList<IReadOnlyList<byte[]>> _segments;

    internal StoredBaseline(int memberCount, IReadOnlyList<IReadOnlyList<byte[]>> segments)
    {
        MemberCount = memberCount;
        _segments = segments;
    }

    /// <summary>No baseline: a sync that never committed.</summary>
    public static StoredBaseline None { get; } = new(0, []);

    /// <summary>The member count the manifest records.</summary>
    public int MemberCount { get; }

    /// <summary>Streams the baseline's members in snapshot order.</summary>
    public SnapshotCursor Open() => SnapshotCursor.Merge([.. _segments.Select(SnapshotCursor.Over)]);

    /// <summary>Streams the baseline with one more delta applied after its own (a run's changes, encoded).</summary>
    public SnapshotCursor Open(IReadOnlyList<byte[]> delta) => SnapshotCursor.Merge([.. _segments.Append(delta).Select(SnapshotCursor.Over)]);
}

/// <summary>A baseline being read: the member count its manifest records, and its segments once read.</summary>
/// <param name="MemberCount">The member count the manifest records.</param>
/// <param name="Segments">The stored segments, compressed.</param>
public sealed record PendingBaseline(int MemberCount, Task<StoredBaseline> Segments);

/// <summary>A run's accepted changes and uncertain members, encoded in snapshot order, with their counts.</summary>
/// <param name="Chunks">The changes as <see cref="SnapshotCodec"/> chunks.</param>
/// <param name="Records">How many records.</param>
/// <param name="Adds">How many of them are adds.</param>
/// <param name="Removes">How many of them are removes.</param>
/// <param name="Uncertain">How many of them mark a member whose change did not settle.</param>
public sealed record EncodedChanges(IReadOnlyList<byte[]> Chunks, int Records, int Adds, int Removes, int Uncertain = 0);

/// <summary>A baseline's size.</summary>
/// <param name="Members">Members the destination holds: their last change settled.</param>
/// <param name="Uncertain">Members that may or may not be at the destination: their last change did not settle, so the
/// next run sends each again, as an add if it is in the cohort and as a remove if it is not.</param>
public readonly record struct BaselineSize(int Members, int Uncertain);

/// <summary>
/// Collects a run's accepted changes, and the members whose changes did not settle, into <see cref="EncodedChanges"/> as
/// they are read, checking they come in strictly increasing snapshot order (a delta out of order would corrupt the
/// baseline it is merged into).
/// </summary>
public sealed class ChangeSetWriter
{
    private readonly SnapshotEncoder _encoder = new();
    private SnapshotEntry? _previous;
    private int _adds;
    private int _removes;
    private int _uncertain;

    /// <summary>Adds the next accepted change.</summary>
    public void Add(in SnapshotChange change)
    {
        if (change.Kind == ChangeKind.Uncertain)
        {
            throw new ArgumentException("an accepted change is an add, an update or a remove", nameof(change));
        }

        Write(change);
        _adds += change.Kind == ChangeKind.Add ? 1 : 0;
        _removes += change.Kind == ChangeKind.Remove ? 1 : 0;
    }

    /// <summary>
    /// Adds the next change that did not settle (its batch failed; some of its requests may have landed): the member is
    /// kept in the baseline as <see cref="ChangeKind.Uncertain"/>, with the change's payload, so the next run sends it again
    /// whether it stays in the cohort or leaves it.
    /// </summary>
    public void AddUncertain(in SnapshotChange change)
    {
        Write(new SnapshotChange(ChangeKind.Uncertain, change.Entry));
        _uncertain++;
    }

    /// <summary>The encoded changes.</summary>
    public EncodedChanges Finish() => new(_encoder.Finish(), _encoder.Records, _adds, _removes, _uncertain);

    private void Write(in SnapshotChange change)
    {
        if (_previous is { } previous && SnapshotEntry.Compare(previous, change.Entry) >= 0)
        {
            throw new InvalidOperationException("changes are not strictly ordered");
        }

        _previous = change.Entry;
        _encoder.Write(change);
    }
}
