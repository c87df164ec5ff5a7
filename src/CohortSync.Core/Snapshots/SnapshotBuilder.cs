namespace CohortSync.Core.Snapshots;

/// <summary>
/// Collects members in any order and builds a <see cref="Snapshot"/>: sorts by hash, then key, and drops duplicate keys,
/// keeping the first one added (its payload wins) and counting the rest.
/// </summary>
public sealed class SnapshotBuilder
{
    private SnapshotEntry[] _entries;
    private int[] _sequence;
    private int _count;

    /// <summary>Creates a builder, optionally sized for the expected member count.</summary>
    public SnapshotBuilder(int capacity = 1024)
    {
        _entries = new SnapshotEntry[Math.Max(16, capacity)];
        _sequence = new int[_entries.Length];
    }

    /// <summary>How many members were added (duplicates included).</summary>
    public int Added => _count;

    /// <summary>How many duplicate keys <see cref="Build"/> dropped.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Adds a member.</summary>
    public void Add(string key, string? payload)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _sequence, _entries.Length);
        }

        _entries[_count] = SnapshotEntry.Create(key, payload);
        _sequence[_count] = _count;
        _count++;
    }

    /// <summary>Sorts, removes duplicates and returns the snapshot. The builder must not be used afterwards.</summary>
    public Snapshot Build()
    {
        // Sort keys and sequence numbers together; ties on (hash, key) fall back to sequence, so the first added wins.
        Array.Sort(_entries, _sequence, 0, _count, EntryComparer.Instance);
        var n = 0;
        for (var i = 0; i < _count; i++)
        {
            if (n > 0 && _entries[n - 1].Hash == _entries[i].Hash && string.Equals(_entries[n - 1].Key, _entries[i].Key, StringComparison.Ordinal))
            {
                if (_sequence[i] < _sequence[n - 1])
                {
                    _entries[n - 1] = _entries[i];
                    _sequence[n - 1] = _sequence[i];
                }

                Duplicates++;
                continue;
            }

            _entries[n] = _entries[i];
            _sequence[n] = _sequence[i];
            n++;
        }

        _sequence = [];
        return Snapshot.FromSortedUnchecked(_entries, n);
    }

    private sealed class EntryComparer : IComparer<SnapshotEntry>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(SnapshotEntry x, SnapshotEntry y) => SnapshotEntry.Compare(x, y);
    }
}
