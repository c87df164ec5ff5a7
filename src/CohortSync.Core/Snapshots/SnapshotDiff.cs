namespace CohortSync.Core.Snapshots;

/// <summary>Counts of a diff.</summary>
public sealed record DiffCounts(int Adds, int Removes, int Updates)
{
    /// <summary>All changes.</summary>
    public int Total => Adds + Removes + Updates;
}

/// <summary>
/// The streaming difference of two snapshots: one merge pass over both sorted sequences, yielding adds (in the new, not the
/// old), removes (in the old, not the new; with the old payload, so the member is removed with what it was added with) and
/// updates (in both, with a different payload).
/// </summary>
public static class SnapshotDiff
{
    // How many members ahead the streamed diff asks for the current snapshot's bytes.
    private const int PrefetchDistance = 12;

    /// <summary>
    /// The merge of a stored baseline streamed by a cursor and a compact current snapshot: keys and payloads are compared
    /// as UTF-8, and strings are made only for the changes, which are added to <paramref name="changes"/> in
    /// snapshot order (pass null to count them only).
    /// </summary>
    /// <param name="baseline">The members the destination has, in snapshot order.</param>
    /// <param name="current">The members it should have.</param>
    /// <param name="full">True to re-add every current member (a full sync), not only the new ones.</param>
    /// <param name="changes">Receives the changes, or null.</param>
    /// <returns>The counts; the baseline's size is <see cref="SnapshotCursor.Yielded"/> afterwards.</returns>
    public static DiffCounts Compute(SnapshotCursor baseline, PackedSnapshot current, bool full, ICollection<SnapshotChange>? changes)
    {
        int adds = 0, removes = 0, updates = 0;
        foreach (var change in Merge(baseline, current, full, materialize: changes is not null))
        {
            switch (change.Kind)
            {
                case ChangeKind.Add: adds++; break;
                case ChangeKind.Remove: removes++; break;
                default: updates++; break;
            }

            changes?.Add(change);
        }

        return new DiffCounts(adds, removes, updates);
    }

    /// <summary>
    /// Yields the changes of a stored baseline streamed by a cursor against a compact current snapshot, in snapshot order,
    /// one at a time (so they can be cut into batches and stored as they come).
    /// </summary>
    /// <param name="baseline">The members the destination has, in snapshot order.</param>
    /// <param name="current">The members it should have.</param>
    /// <param name="full">True to re-add every current member (a full sync), not only the new ones.</param>
    public static IEnumerable<SnapshotChange> Compute(SnapshotCursor baseline, PackedSnapshot current, bool full) =>
        Merge(baseline, current, full, materialize: true);

    // Without materialize, changes carry default entries (no strings are made): for counting.
    private static IEnumerable<SnapshotChange> Merge(SnapshotCursor baseline, PackedSnapshot current, bool full, bool materialize)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        var j = 0;
        var more = baseline.MoveNext();
        while (more || j < current.Count)
        {
            var same = false;
            var c = !more ? 1 : j == current.Count ? -1 : Compare(baseline, current, j, out same);
            if (c > 0)
            {
                // Members ahead are likely adds too (a first sync adds them all): start loading their bytes.
                current.Prefetch(j + PrefetchDistance);
            }

            if (c < 0)
            {
                yield return new SnapshotChange(ChangeKind.Remove, materialize ? baseline.ToEntry() : default);
                more = baseline.MoveNext();
                continue;
            }

            // A member whose last change did not settle may be missing at the destination: it is added again.
            if (c > 0 || full || baseline.Kind == ChangeKind.Uncertain)
            {
                yield return new SnapshotChange(ChangeKind.Add, materialize ? current[j] : default);
            }
            else if (!same)
            {
                yield return new SnapshotChange(ChangeKind.Update, materialize ? current[j] : default);
            }

            j++;
            if (c == 0)
            {
                more = baseline.MoveNext();
            }
        }
    }

    // Snapshot order of the baseline's record and the cohort's member j. Equal key hashes with equal record hashes (key and
    // payload bytes) are the same member unchanged (same is true), told without reading the member's bytes, which sit in
    // the arena in insertion order, so each read would be a cache miss; only different records are compared by key (a
    // changed payload, or in about one case in 2^64 two keys with one hash). Different records of one key always differ in
    // their payload, so same is false exactly when the payload changed.
    private static int Compare(SnapshotCursor baseline, PackedSnapshot current, int j, out bool same)
    {
        var (hash, other) = (baseline.Hash, current.Hash(j));
        same = false;
        if (hash != other)
        {
            return hash < other ? -1 : 1;
        }

        if (baseline.Record == current.Record(j))
        {
            same = true;
            return 0;
        }

        return Utf8Keys.Compare(hash, baseline.Key, other, current.Key(j));
    }

}
