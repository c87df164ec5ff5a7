using System.Globalization;
using System.Net;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Braze;

/// <summary>The Braze sandbox's HTTP plumbing: bodies, auth refusals, rate-limit headers, faults, <c>{"message": ...}</c> answers.</summary>
public sealed partial class BrazeSandbox
{
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private async Task RefuseAuthAsync(HttpContext context, string message)
    {
        Interlocked.Increment(ref _authFailures);
        await WriteAsync(context, HttpStatusCode.Unauthorized, message);
    }

    private void WriteRateLimitHeaders(HttpContext context, double remaining, TimeSpan untilReset)
    {
        var reset = DateTimeOffset.UtcNow + untilReset;
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = Math.Round(RateLimit.PermitsPerSecond * 3600).ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = Math.Max(0, Math.Floor(remaining)).ToString(CultureInfo.InvariantCulture);

        // Epoch seconds, rounded up: a client that waits until then finds a token.
        headers["X-RateLimit-Reset"] = ((long)Math.Ceiling(reset.ToUnixTimeMilliseconds() / 1000.0)).ToString(CultureInfo.InvariantCulture);
    }

    private async Task WriteRateLimitedAsync(HttpContext context, TimeSpan retryAfter)
    {
        WriteRateLimitHeaders(context, 0, retryAfter);
        await WriteAsync(context, HttpStatusCode.TooManyRequests, "Rate Limited");
    }

    private async Task WriteFaultAsync(HttpContext context, Fault fault)
    {
        if (fault.Drop)
        {
            context.Abort();
            return;
        }

        switch (fault.Status!.Value)
        {
            case HttpStatusCode.TooManyRequests:
                await WriteRateLimitedAsync(context, TimeSpan.FromSeconds(Faults.RetryAfterSeconds));
                break;
            case HttpStatusCode.Locked:
                await WriteAsync(context, HttpStatusCode.Locked, "Resource locked");
                break;
            default:
                await WriteAsync(context, fault.Status.Value, "injected fault");
                break;
        }
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, string message)
    {
        context.Response.StatusCode = (int)status;
        await context.Response.WriteAsJsonAsync(new { message });
    }
}
