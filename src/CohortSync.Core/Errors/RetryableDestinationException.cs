using System.Net;

namespace CohortSync.Core.Errors;

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
