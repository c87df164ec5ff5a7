namespace CohortSync.Core.Members;

/// <summary>
/// Reads a member source one row at a time, values as spans: planning resolves and packs millions of members without a
/// string a member. <see cref="Records"/> gives the same rows as <see cref="MemberRecord"/>s, for code that keeps them.
/// Malformed input throws <see cref="MalformedSourceException"/> from <see cref="Read"/>, naming the line and column and
/// never the value.
/// </summary>
public abstract class MemberReader : IMemberRow, IDisposable
{
    /// <summary>The columns of the source as far as it has been read (JSON lines add columns as they appear).</summary>
    public abstract MemberSchema Schema { get; }

    /// <summary>The 1-based line the current row starts on.</summary>
    public abstract long Line { get; }

    /// <summary>How many values the current row has.</summary>
    public abstract int ValueCount { get; }

    /// <summary>Moves to the next member; false at the end of the source.</summary>
    public abstract bool Read();

    /// <summary>
    /// The cleaned value of a column of the current row (tab prefix, surrounding whitespace and quotes removed); empty when
    /// the row has no such column or the value is empty. Valid until the next <see cref="Read"/>.
    /// </summary>
    public abstract ReadOnlySpan<char> Value(int column);

    /// <summary>The current row as a record (makes its strings).</summary>
    public MemberRecord ToRecord()
    {
        var values = new string?[ValueCount];
        for (var i = 0; i < values.Length; i++)
        {
            var value = Value(i);
            values[i] = value.IsEmpty ? null : value.ToString();
        }

        return new MemberRecord(Schema, values, Line);
    }

    /// <summary>Reads the remaining rows as records; the reader is disposed when the sequence ends.</summary>
    public IEnumerable<MemberRecord> Records()
    {
        using (this)
        {
            while (Read())
            {
                yield return ToRecord();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the underlying stream.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
