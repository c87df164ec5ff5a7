using CohortSync.Core.Snapshots;

namespace CohortSync.TestHelpers.Snapshots;

/// <summary>
/// The reference diff, for tests: by dictionary lookups, sorted into snapshot order. Adds are members only in the current
/// snapshot (or, in a full diff, every current member), removes are members only in the baseline (with the baseline's
/// payload), updates are members in both with a different payload. The production diff,
/// <see cref="SnapshotDiff.Compute(SnapshotCursor, PackedSnapshot, bool)"/>, must yield the same changes.
/// </summary>
public static class ReferenceDiff
{
    /// <summary>The changes that turn <paramref name="baseline"/> into <paramref name="current"/>, in snapshot order.</summary>
    public static List<SnapshotChange> Compute(Snapshot baseline, Snapshot current, bool full = false)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        var before = baseline.Enumerate().ToDictionary(e => e.Key, StringComparer.Ordinal);
        var after = current.Enumerate().ToDictionary(e => e.Key, StringComparer.Ordinal);
        var changes = new List<SnapshotChange>();
        foreach (var (key, entry) in before)
        {
            if (!after.ContainsKey(key))
            {
                changes.Add(new SnapshotChange(ChangeKind.Remove, entry));
            }
        }

        foreach (var (key, entry) in after)
        {
            if (full || !before.TryGetValue(key, out var old))
            {
                changes.Add(new SnapshotChange(ChangeKind.Add, entry));
            }
            else if (!string.Equals(old.Payload, entry.Payload, StringComparison.Ordinal))
            {
                changes.Add(new SnapshotChange(ChangeKind.Update, entry));
            }
        }

        changes.Sort(static (a, b) => SnapshotEntry.Compare(a.Entry, b.Entry));
        return changes;
    }

    /// <summary>The counts of <see cref="Compute"/>.</summary>
    public static DiffCounts Count(Snapshot baseline, Snapshot current, bool full = false)
    {
        var changes = Compute(baseline, current, full);
        return new DiffCounts(
            changes.Count(c => c.Kind == ChangeKind.Add),
            changes.Count(c => c.Kind == ChangeKind.Remove),
            changes.Count(c => c.Kind == ChangeKind.Update));
    }
}
