using System.Net;

namespace CohortSync.Core.Errors;

/// <summary>
/// A failure talking to a destination. The subtype says what to do about it: retry, stop and alert, or skip the payload.
/// Messages never carry secrets or member identifiers.
/// </summary>
public class DestinationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DestinationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DestinationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a destination response.</summary>
    public DestinationException(string destination, HttpStatusCode? statusCode, string message, string? vendorErrorCode = null, Exception? innerException = null)
        : base($"{destination}: {message}", innerException)
    {
        Destination = destination;
        StatusCode = statusCode;
        VendorErrorCode = vendorErrorCode;
    }

    /// <summary>The destination type (webhook, braze, ...).</summary>
    public string? Destination { get; }

    /// <summary>The HTTP status, when there was a response.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The vendor's own error code, when it gave one.</summary>
    public string? VendorErrorCode { get; }
}
