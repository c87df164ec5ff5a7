namespace CohortSync.Core.Errors;

/// <summary>A definition or request is invalid; <see cref="Errors"/> names each bad field.</summary>
public sealed class ValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ValidationException()
        : this(new Dictionary<string, string[]>())
    {
    }

    /// <summary>Creates the exception.</summary>
    public ValidationException(string message)
        : base(message)
    {
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>Creates the exception.</summary>
    public ValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>Creates the exception from field errors.</summary>
    public ValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base("Invalid input: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")))
    {
        Errors = errors;
    }

    /// <summary>The errors, by field name.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}
