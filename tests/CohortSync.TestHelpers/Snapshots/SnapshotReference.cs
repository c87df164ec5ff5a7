using CohortSync.Core.Snapshots;

namespace CohortSync.TestHelpers.Snapshots;

/// <summary>
/// Bridges between the reference <see cref="Snapshot"/> and the streamed path production runs: reading a packed snapshot,
/// a cursor or a stored baseline into a reference snapshot, and turning a reference snapshot into the forms production
/// diffs (encoded chunks, a cursor over them, a packed snapshot).
/// </summary>
public static class SnapshotReference
{
    /// <summary>The members of a packed snapshot, in order, each made into strings.</summary>
    public static IEnumerable<SnapshotEntry> Enumerate(this PackedSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        for (var i = 0; i < snapshot.Count; i++)
        {
            yield return snapshot[i];
        }
    }

    /// <summary>Reads a packed snapshot into a reference snapshot (checking its order).</summary>
    public static Snapshot ToSnapshot(this PackedSnapshot snapshot)
    {
        var entries = snapshot.Enumerate().ToArray();
        return Snapshot.FromSorted(entries, entries.Length);
    }

    /// <summary>Reads what a cursor streams (every kind of record) into a reference snapshot (checking its order).</summary>
    public static Snapshot ReadAll(this SnapshotCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var entries = new List<SnapshotEntry>();
        while (cursor.MoveNext())
        {
            entries.Add(cursor.ToEntry());
        }

        return Snapshot.FromSorted([.. entries], entries.Count);
    }

    /// <summary>Loads a stored baseline with its strings, streaming <see cref="BaselineRepository.ReadAsync"/>; empty for a
    /// sync that never committed.</summary>
    public static async Task<Snapshot> LoadAsync(this BaselineRepository baselines, string syncId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        var stored = await baselines.ReadAsync(syncId, cancellationToken);
        using var cursor = stored.Open();
        return cursor.ReadAll();
    }

    /// <summary>The members as adds, the records of a base segment.</summary>
    public static IEnumerable<SnapshotChange> AsAdds(this Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Enumerate().Select(e => new SnapshotChange(ChangeKind.Add, e));
    }

    /// <summary>Encodes the members as <see cref="SnapshotCodec"/> chunks (a base segment).</summary>
    public static IReadOnlyList<byte[]> Encode(this Snapshot snapshot) => SnapshotCodec.Encode(snapshot.AsAdds());

    /// <summary>Decodes chunks holding a snapshot (all records adds, in strict order) into a reference snapshot.</summary>
    public static Snapshot DecodeSnapshot(IReadOnlyList<byte[]> chunks)
    {
        var entries = SnapshotCodec.Decode(chunks).Select(r => r.Entry).ToArray();
        return Snapshot.FromSorted(entries, entries.Length);
    }

    /// <summary>A cursor over the encoded members, as a stored baseline of one base segment is streamed.</summary>
    public static SnapshotCursor Open(this Snapshot snapshot) => SnapshotCursor.Over(snapshot.Encode());

    /// <summary>The members packed by <see cref="SnapshotBuilder"/>, the form the current cohort is diffed in.</summary>
    public static PackedSnapshot Pack(this Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var builder = new SnapshotBuilder(snapshot.Count);
        foreach (var entry in snapshot.Enumerate())
        {
            builder.Add(entry.Key, entry.Payload);
        }

        return builder.BuildPacked();
    }

    /// <summary>The production diff of two reference snapshots: the baseline encoded and streamed by a cursor, the current
    /// one packed.</summary>
    public static List<SnapshotChange> StreamedDiff(Snapshot baseline, Snapshot current, bool full = false)
    {
        using var cursor = baseline.Open();
        return [.. SnapshotDiff.Compute(cursor, current.Pack(), full)];
    }
}
