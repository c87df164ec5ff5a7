namespace CohortSync.Core.Members;

/// <summary>
/// One member's values by column, as spans: what resolving a member reads. Implemented by <see cref="MemberRecord"/> (values
/// held as strings) and by <see cref="MemberReader"/> (the row it is on, without strings).
/// </summary>
public interface IMemberRow
{
    /// <summary>The source's columns as far as this row knows them.</summary>
    MemberSchema Schema { get; }

    /// <summary>The cleaned value of a column by position; empty when the column is absent or the value is empty.</summary>
    ReadOnlySpan<char> Value(int column);
}
