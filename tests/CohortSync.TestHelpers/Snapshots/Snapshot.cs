using CohortSync.Core.Snapshots;

namespace CohortSync.TestHelpers.Snapshots;

/// <summary>
/// The reference model of a snapshot, for tests: a plain sorted array of entries, built and changed with dictionaries and
/// string comparison, with nothing of the packed, streamed path production plans with. Tests check that path against it.
/// Entries are sorted by <see cref="SnapshotEntry.Compare"/>, with no duplicate keys.
/// </summary>
public sealed class Snapshot
{
    private readonly SnapshotEntry[] _entries;
    private Dictionary<string, SnapshotEntry>? _byKey;

    private Snapshot(SnapshotEntry[] entries) => _entries = entries;

    /// <summary>The empty snapshot (the baseline of a sync that never ran).</summary>
    public static Snapshot Empty { get; } = new([]);

    /// <summary>How many members.</summary>
    public int Count => _entries.Length;

    /// <summary>The members, in order.</summary>
    public IReadOnlyList<SnapshotEntry> Entries => _entries;

    /// <summary>The members, in order, as a sequence.</summary>
    public IEnumerable<SnapshotEntry> Enumerate() => _entries;

    /// <summary>A snapshot of members given in any order; of duplicate keys the first one wins (as in the builder).</summary>
    public static Snapshot Of(IEnumerable<(string Key, string? Payload)> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var first = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, payload) in members)
        {
            first.TryAdd(key, payload);
        }

        return Sorted(first.Select(m => SnapshotEntry.Create(m.Key, m.Value)));
    }

    /// <summary>Wraps the first <paramref name="count"/> entries, which must be strictly ordered (checked).</summary>
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

        return new Snapshot(entries[..count]);
    }

    /// <summary>Finds a key; returns its entry, or null.</summary>
    public SnapshotEntry? Find(string key)
    {
        _byKey ??= _entries.ToDictionary(e => e.Key, StringComparer.Ordinal);
        return _byKey.TryGetValue(key, out var entry) ? entry : null;
    }

    /// <summary>
    /// Applies changes in strict snapshot order (adds and updates put the entry, removes delete it) and returns the new
    /// snapshot: how a baseline follows from its base and its delta segments.
    /// </summary>
    public Snapshot Apply(IReadOnlyList<SnapshotChange> sortedChanges)
    {
        ArgumentNullException.ThrowIfNull(sortedChanges);
        for (var i = 1; i < sortedChanges.Count; i++)
        {
            if (SnapshotEntry.Compare(sortedChanges[i - 1].Entry, sortedChanges[i].Entry) >= 0)
            {
                throw new InvalidOperationException("changes are not strictly ordered");
            }
        }

        var members = _entries.ToDictionary(e => e.Key, StringComparer.Ordinal);
        foreach (var change in sortedChanges)
        {
            if (change.Kind == ChangeKind.Remove)
            {
                members.Remove(change.Entry.Key);
            }
            else
            {
                members[change.Entry.Key] = change.Entry;
            }
        }

        return Sorted(members.Values);
    }

    private static Snapshot Sorted(IEnumerable<SnapshotEntry> entries)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => SnapshotEntry.Compare(a, b));
        return new Snapshot(sorted);
    }
}
