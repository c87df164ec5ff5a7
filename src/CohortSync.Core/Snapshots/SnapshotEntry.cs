namespace CohortSync.Core.Snapshots;

/// <summary>One member of a snapshot: the encoded destination key, its hash (the sort order), and the carried payload.</summary>
/// <param name="Hash">The <see cref="KeyHasher"/> hash of <paramref name="Key"/>.</param>
/// <param name="Key">The encoded destination key.</param>
/// <param name="Payload">The carried fields, or null.</param>
public readonly record struct SnapshotEntry(ulong Hash, string Key, string? Payload)
{
    /// <summary>Creates an entry, computing the hash.</summary>
    public static SnapshotEntry Create(string key, string? payload) => new(KeyHasher.Hash(key), key, payload);

    /// <summary>Compares two entries in snapshot order: hash, then ordinal key.</summary>
    public static int Compare(in SnapshotEntry a, in SnapshotEntry b)
    {
        var c = a.Hash.CompareTo(b.Hash);
        return c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
    }
}

/// <summary>The kind of a change between two snapshots, and the tag of a record in an encoded chunk.</summary>
public enum ChangeKind : byte
{
    /// <summary>The member entered (or, in a base snapshot, is present).</summary>
    Add = 0,

    /// <summary>The member left.</summary>
    Remove = 1,

    /// <summary>The member stayed but its payload changed (for example a new email beside the same user id).</summary>
    Update = 2,

    /// <summary>
    /// Only in a stored baseline: the member may or may not be at the destination, because the last change sent for it (an
    /// add, update or remove) did not settle: its batch failed after some of its requests may have landed. The next run
    /// sends it again as an add if it is in the cohort, and as a remove if it is not, so no member is left behind.
    /// </summary>
    Uncertain = 3,
}

/// <summary>One change: what happens to which key, with the payload to send.</summary>
/// <param name="Kind">Add, remove or update.</param>
/// <param name="Entry">The member; for a remove, the payload it was added with.</param>
public readonly record struct SnapshotChange(ChangeKind Kind, SnapshotEntry Entry);
