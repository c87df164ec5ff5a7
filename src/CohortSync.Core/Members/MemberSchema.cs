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
