namespace CohortSync.Core.Errors;

/// <summary>A referenced thing (sync, destination, run, secret) does not exist.</summary>
public sealed class NotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NotFoundException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
