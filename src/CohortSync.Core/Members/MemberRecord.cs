namespace CohortSync.Core.Members;

/// <summary>One member as read from a source: a row of values under a shared schema.</summary>
/// <param name="Schema">The schema shared by every record of the source.</param>
/// <param name="Values">The cleaned values (tab prefix and quotes removed); empty values are null.</param>
/// <param name="Line">The 1-based line the record came from, for error messages.</param>
public readonly record struct MemberRecord(MemberSchema Schema, string?[] Values, long Line) : IMemberRow
{
    /// <summary>Returns the value of a column by position, or null.</summary>
    public string? this[int index] => index >= 0 && index < Values.Length ? Values[index] : null;

    /// <summary>Returns the value of a column by name, or null when absent or empty.</summary>
    public string? Get(string column) => this[Schema.IndexOf(column)];

    /// <inheritdoc/>
    public ReadOnlySpan<char> Value(int column) => this[column];
}
