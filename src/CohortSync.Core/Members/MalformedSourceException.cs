namespace CohortSync.Core.Members;

/// <summary>
/// Thrown when a member source cannot be parsed. Names the line and column so the user can find the fault;
/// never carries the offending value, which may be personal data.
/// </summary>
public sealed class MalformedSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MalformedSourceException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MalformedSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MalformedSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a fault at a line and column (both 1-based).</summary>
    public MalformedSourceException(long line, long column, string problem, Exception? innerException = null)
        : base($"Malformed member source at line {line}, column {column}: {problem}", innerException)
    {
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The 1-based line of the fault.</summary>
    public long Line { get; }

    /// <summary>The 1-based column (field position for CSV, character position for JSONL) of the fault.</summary>
    public long Column { get; }

    /// <summary>What was wrong, without the value.</summary>
    public string? Problem { get; }
}
