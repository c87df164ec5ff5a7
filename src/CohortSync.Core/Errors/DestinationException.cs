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

/// <summary>A transient failure (408, 429, 5xx, a dropped connection): retry, no sooner than <see cref="RetryAfter"/>.</summary>
public sealed class RetryableDestinationException : DestinationException
{
    /// <summary>Creates the exception.</summary>
    public RetryableDestinationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RetryableDestinationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RetryableDestinationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RetryableDestinationException(string destination, HttpStatusCode? statusCode, string message, TimeSpan? retryAfter = null, string? vendorErrorCode = null, Exception? innerException = null)
        : base(destination, statusCode, message, vendorErrorCode, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the destination asked to wait, if it said.</summary>
    public TimeSpan? RetryAfter { get; }
}

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
