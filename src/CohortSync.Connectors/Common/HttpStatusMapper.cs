using System.Globalization;
using System.Net;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Common;

/// <summary>Maps an HTTP response to the error taxonomy: retryable, auth, or rejected.</summary>
public static class HttpStatusMapper
{
    /// <summary>Throws the taxonomy's exception for a non-success response; returns for a success.</summary>
    /// <param name="destination">The destination type, for the message.</param>
    /// <param name="response">The response.</param>
    /// <param name="vendorMessage">A short message from the body, if the vendor gave one; never member data.</param>
    public static void ThrowIfFailed(string destination, HttpResponseMessage response, string? vendorMessage = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = response.StatusCode;
        var code = (int)status;
        var message = $"HTTP {code} {response.ReasonPhrase}" + (string.IsNullOrWhiteSpace(vendorMessage) ? string.Empty : ": " + vendorMessage);
        throw status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new DestinationAuthException(destination, status, message),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.Locked
                => new RetryableDestinationException(destination, status, message, RetryAfter(response)),
            _ when code >= 500 => new RetryableDestinationException(destination, status, message, RetryAfter(response)),
            _ => new DestinationRejectedException(destination, status, message),
        };
    }

    /// <summary>Whether a status is worth another try: 408, 429 or any 5xx.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>
    /// Reads how long to wait: <c>Retry-After</c> (seconds or a date), else <c>X-RateLimit-Reset</c> (epoch seconds, Braze and
    /// Productboard style).
    /// </summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            return Max0(date - now);
        }

        if (response.Headers.TryGetValues("X-RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            // Some vendors send seconds to wait rather than an epoch: small numbers are read as a delay.
            return epoch < 1_000_000_000 ? TimeSpan.FromSeconds(epoch) : Max0(DateTimeOffset.FromUnixTimeSeconds(epoch) - now);
        }

        return null;
    }

    private static TimeSpan Max0(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;
}
