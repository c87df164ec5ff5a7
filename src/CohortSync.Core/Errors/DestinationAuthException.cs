using System.Net;

namespace CohortSync.Core.Errors;

/// <summary>The credentials were refused (401, 403): stop and alert; retrying will not help.</summary>
public sealed class DestinationAuthException : DestinationException
{
    /// <summary>Creates the exception.</summary>
    public DestinationAuthException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationAuthException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationAuthException(string destination, HttpStatusCode? statusCode, string message, string? vendorErrorCode = null)
        : base(destination, statusCode, message, vendorErrorCode)
    {
    }
}
