using System.Net;

namespace CohortSync.Core.Errors;

/// <summary>The destination refused the request's payload (a 4xx other than auth and throttling): do not retry it.</summary>
public sealed class DestinationRejectedException : DestinationException
{
    /// <summary>Creates the exception.</summary>
    public DestinationRejectedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationRejectedException(string destination, HttpStatusCode? statusCode, string message, string? vendorErrorCode = null)
        : base(destination, statusCode, message, vendorErrorCode)
    {
    }
}
