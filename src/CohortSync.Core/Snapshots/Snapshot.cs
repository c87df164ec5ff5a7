namespace CohortSync.Core.Snapshots;

/// <summary>
/// An immutable set of members sorted by <see cref="SnapshotEntry.Compare"/>, with no duplicate keys.
/// The baseline of a sync and the new cohort of a run are both snapshots; <see cref="SnapshotDiff"/> merges two of them.
/// </summary>
public sealed class Snapshot
{
    private readonly SnapshotEntry[] _entries;

    private Snapshot(SnapshotEntry[] entries, int count)
    {
        _entries = entries;
        Count = count;
    }

    /// <summary>The empty snapshot (the baseline of a sync that never ran).</summary>
    public static Snapshot Empty { get; } = new([], 0);

    /// <summary>How many members.</summary>
    public int Count { get; }

    /// <summary>The members, in order.</summary>
    public ReadOnlySpan<SnapshotEntry> Entries => _entries.AsSpan(0, Count);

    /// <summary>The members, in order, as a sequence.</summary>
    public IEnumerable<SnapshotEntry> Enumerate()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return _entries[i];
        }
    }

    /// <summary>Wraps entries that are already sorted and unique. Checks the order, since a bad order would corrupt diffs.</summary>
    public static Snapshot FromSorted(SnapshotEntry[] entries, int count)
    {
        ArgumentNullException.ThrowIfNull(entries);
        for (var i = 1; i < count; i++)
        {
            if (SnapshotEntry.Compare(entries[i - 1], entries[i]) >= 0)
            {
                throw new InvalidOperationException($"snapshot entries are not strictly ordered at position {i}");
            }
        }

        return new Snapshot(entries, count);
    }

    /// <summary>Wraps entries known to be sorted and unique, without checking (for the builder, which just sorted them).</summary>
    internal static Snapshot FromSortedUnchecked(SnapshotEntry[] entries, int count) => new(entries, count);

    /// <summary>Finds a key; returns its entry, or null.</summary>
    public SnapshotEntry? Find(string key)
    {
        var probe = SnapshotEntry.Create(key, null);
        int lo = 0, hi = Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = SnapshotEntry.Compare(_entries[mid], probe);
            if (c == 0)
            {
                return _entries[mid];
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return null;
    }

    /// <summary>
    /// Applies sorted changes (adds and updates put the entry, removes delete it) and returns the new snapshot.
    /// This is how a baseline is rebuilt from its base and its delta segments.
    /// </summary>
    public Snapshot Apply(IReadOnlyList<SnapshotChange> sortedChanges)
    {
        ArgumentNullException.ThrowIfNull(sortedChanges);
        if (sortedChanges.Count == 0)
        {
            return this;
        }

        var result = new SnapshotEntry[Count + sortedChanges.Count];
        int i = 0, j = 0, n = 0;
        while (i < Count || j < sortedChanges.Count)
        {
            int c;
            if (i == Count)
            {
                c = 1;
            }
            else if (j == sortedChanges.Count)
            {
                c = -1;
            }
            else
            {
                c = SnapshotEntry.Compare(_entries[i], sortedChanges[j].Entry);
            }

            if (c < 0)
            {
                result[n++] = _entries[i++];
                continue;
            }

            var change = sortedChanges[j++];
            if (c == 0)
            {
                i++;
            }

            if (j < sortedChanges.Count && SnapshotEntry.Compare(change.Entry, sortedChanges[j].Entry) >= 0)
            {
                throw new InvalidOperationException("changes are not strictly ordered");
            }

            if (change.Kind != ChangeKind.Remove)
            {
                result[n++] = change.Entry;
            }
        }

        return new Snapshot(result, n);
    }
}
