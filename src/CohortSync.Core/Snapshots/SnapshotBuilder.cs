using System.Runtime.CompilerServices;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Collects members in any order and builds a snapshot: sorts by hash, then key, and drops duplicate keys, keeping the
/// first one added (its payload wins) and counting the rest. Members are kept as UTF-8 in an arena and the hashes are sorted
/// as plain integers (docs/performance.md); only members whose hashes collide, in practice duplicates, are compared
/// by key.
/// </summary>
public sealed class SnapshotBuilder
{
    private readonly MemberArena _arena = new();
    private ulong[] _hashes;
    private PackedMember[] _members;
    private int _count;
    private bool _built;

    /// <summary>Creates a builder, optionally sized for the expected member count.</summary>
    public SnapshotBuilder(int capacity = 1024)
    {
        var size = Math.Max(16, capacity);
        _hashes = new ulong[size];
        _members = new PackedMember[size];
    }

    /// <summary>How many members were added (duplicates included).</summary>
    public int Added => _count;

    /// <summary>How many duplicate keys the build dropped.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Adds a member.</summary>
    public void Add(string key, string? payload)
    {
        ArgumentNullException.ThrowIfNull(key);
        Add(key, payload, payload is not null);
    }

    /// <summary>Adds a member given as spans (a key in its stored form; no payload when <paramref name="hasPayload"/> is false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<char> key, ReadOnlySpan<char> payload, bool hasPayload)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        if (_count == _hashes.Length)
        {
            var size = (int)Math.Min(Array.MaxLength, _hashes.Length * 2L);
            Array.Resize(ref _hashes, size);
            Array.Resize(ref _members, size);
        }

        _hashes[_count] = KeyHasher.Hash(key);
        var reference = _arena.Append(key, payload, hasPayload, out var record);
        _members[_count] = new PackedMember(reference, record);
        _count++;
    }

    /// <summary>Sorts, removes duplicates and returns the compact snapshot. The builder must not be used afterwards.</summary>
    public PackedSnapshot BuildPacked()
    {
        ObjectDisposedException.ThrowIf(_built, this);
        _built = true;

        // Arena references grow with insertion, so they double as insertion numbers to settle duplicates; sorting them
        // with the hashes lets the diff reach each member's bytes with one lookup, in one pass.
        SortByHash(_hashes, _members, _count);
        var n = 0;
        for (var i = 0; i < _count;)
        {
            var end = i + 1;
            while (end < _count && _hashes[end] == _hashes[i])
            {
                end++;
            }

            if (end - i == 1)
            {
                _hashes[n] = _hashes[i];
                _members[n++] = _members[i];
            }
            else
            {
                n = SettleEqualHashes(i, end, n);
            }

            i = end;
        }

        return new PackedSnapshot(_hashes, _members, _arena, n);
    }

    /// <summary>
    /// Sorts hashes with their references: in place by the top byte into 256 ranges (an American flag sort: one pass that
    /// counts and one that swaps each member into its range), then the ranges on every core. Hashes are uniform, so the
    /// ranges are even; each sort is of N/256 members (about 40% fewer comparisons than one sort of N), and both cores
    /// work. Small inputs are sorted in one go.
    /// </summary>
    internal static void SortByHash<T>(ulong[] hashArray, T[] referenceArray, int count)
    {
        const int Shift = 56;
        var hashes = hashArray.AsSpan(0, count);
        var references = referenceArray.AsSpan(0, count);
        if (count < 1 << 16)
        {
            hashes.Sort(references);
            return;
        }

        var counts = new int[257];
        foreach (var hash in hashes)
        {
            counts[(int)(hash >> Shift) + 1]++;
        }

        var starts = new int[257];
        for (var b = 0; b < 256; b++)
        {
            starts[b + 1] = starts[b] + counts[b + 1];
        }

        var next = starts[..256];
        for (var b = 0; b < 256; b++)
        {
            var end = starts[b + 1];
            while (next[b] < end)
            {
                var i = next[b];
                var hash = hashes[i];
                var target = (int)(hash >> Shift);
                if (target == b)
                {
                    next[b]++;
                    continue;
                }

                // Swap the member into its range; what was there is looked at next, from position i.
                var j = next[target]++;
                (hashes[i], hashes[j]) = (hashes[j], hash);
                (references[i], references[j]) = (references[j], references[i]);
            }
        }

        Parallel.For(0, 256, b =>
        {
            var (start, length) = (starts[b], starts[b + 1] - starts[b]);
            hashArray.AsSpan(start, length).Sort(referenceArray.AsSpan(start, length));
        });
    }

    // Members i..end share a hash: order them by key (ordinal UTF-16, as SnapshotEntry.Compare), then by insertion, keep
    // the first of each key, and write them at n (n <= i, so nothing unread is overwritten).
    private int SettleEqualHashes(int start, int end, int n)
    {
        var hash = _hashes[start];
        var run = new (string Key, PackedMember Member)[end - start];
        for (var k = start; k < end; k++)
        {
            run[k - start] = (Encoding.UTF8.GetString(_arena.Key(_members[k].Reference)), _members[k]);
        }

        Array.Sort(run, static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : a.Member.Reference.CompareTo(b.Member.Reference);
        });
        for (var k = 0; k < run.Length; k++)
        {
            if (k > 0 && string.Equals(run[k - 1].Key, run[k].Key, StringComparison.Ordinal))
            {
                Duplicates++;
                continue;
            }

            _hashes[n] = hash;
            _members[n++] = run[k].Member;
        }

        return n;
    }
}
