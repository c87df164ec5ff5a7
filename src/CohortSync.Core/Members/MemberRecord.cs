namespace CohortSync.Core.Members;

/// <summary>The column names of a member source, with a case-insensitive lookup from name to position.</summary>
public sealed class MemberSchema
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a schema from the header's column names, in order.</summary>
    public MemberSchema(IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        Columns = columns;
        _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Count; i++)
        {
            _index.TryAdd(columns[i], i);
        }
    }

    /// <summary>The column names, in source order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Returns the position of a column, or -1 when the source has no such column.</summary>
    public int IndexOf(string column) => _index.TryGetValue(column, out var i) ? i : -1;
}

/// <summary>One member as read from a source: a row of values under a shared schema.</summary>
/// <param name="Schema">The schema shared by every record of the source.</param>
/// <param name="Values">The cleaned values (tab prefix and quotes removed); empty values are null.</param>
/// <param name="Line">The 1-based line the record came from, for error messages.</param>
public readonly record struct MemberRecord(MemberSchema Schema, string?[] Values, long Line)
{
    /// <summary>Returns the value of a column by position, or null.</summary>
    public string? this[int index] => index >= 0 && index < Values.Length ? Values[index] : null;

    /// <summary>Returns the value of a column by name, or null when absent or empty.</summary>
    public string? Get(string column) => this[Schema.IndexOf(column)];
}
