using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Reads stored records one at a time, in snapshot order, without making strings: the baseline is streamed through the
/// diff instead of being decoded into memory, so planning holds one chunk of it at a time. Spans are valid until the next
/// <see cref="MoveNext"/>.
/// </summary>
public abstract partial class SnapshotCursor : IDisposable
{
    /// <summary>The current record's kind: for a baseline, <see cref="ChangeKind.Add"/> for a member the destination holds and
    /// <see cref="ChangeKind.Uncertain"/> for one whose last change did not settle.</summary>
    public ChangeKind Kind { get; protected set; }

    /// <summary>The current record's key hash.</summary>
    public ulong Hash { get; protected set; }

    /// <summary>
    /// The XxHash3 of the current record's bytes (its key and payload as stored): equal for a member of the cohort whose key
    /// and payload are the same (<see cref="PackedMember.Record"/>).
    /// </summary>
    public ulong Record { get; protected set; }

    /// <summary>The current record's key, UTF-8.</summary>
    public abstract ReadOnlySpan<byte> Key { get; }

    /// <summary>The current record's payload, UTF-8 (empty when <see cref="HasPayload"/> is false).</summary>
    public abstract ReadOnlySpan<byte> Payload { get; }

    /// <summary>Whether the current record carries a payload.</summary>
    public abstract bool HasPayload { get; }

    /// <summary>How many records this cursor has yielded.</summary>
    public int Yielded { get; protected set; }

    /// <summary>A cursor over encoded chunks (a segment), checking that the records are strictly ordered.</summary>
    public static SnapshotCursor Over(IReadOnlyList<byte[]> chunks) => new ChunkCursor(chunks);

    /// <summary>
    /// A cursor over a base and the deltas committed after it: for each key the latest segment's record wins, and keys whose
    /// latest record is a remove are skipped; every record yielded is an <see cref="ChangeKind.Add"/> (an update is an add
    /// with a new payload), or <see cref="ChangeKind.Uncertain"/> when the latest record says so.
    /// </summary>
    public static SnapshotCursor Merge(IReadOnlyList<SnapshotCursor> segments) => new MergedCursor(segments);

    /// <summary>Moves to the next record; false at the end.</summary>
    public abstract bool MoveNext();

    /// <summary>The current record as an entry (this makes its strings).</summary>
    public SnapshotEntry ToEntry() =>
        new(Hash, Encoding.UTF8.GetString(Key), HasPayload ? Encoding.UTF8.GetString(Payload) : null);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases pooled buffers.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
