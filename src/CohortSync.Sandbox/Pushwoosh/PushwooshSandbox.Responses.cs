using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

// How the sandbox answers: the rate limit's 429, the v2 error body, the json/1.3 envelope.
public sealed partial class PushwooshSandbox
{
    private async Task<bool> TakeAsync(HttpContext context, string token, bool v2)
    {
        if (RateLimiter.TryTake(token, out var retryAfter, out _))
        {
            return true;
        }

        // Pushwoosh documents a 429 "when too fast" without its headers; the sandbox sends Retry-After in whole seconds.
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (v2)
        {
            await V2ErrorAsync(context, HttpStatusCode.TooManyRequests, "too many requests");
        }
        else
        {
            await EnvelopeAsync(context, HttpStatusCode.TooManyRequests, 429, "Too many requests");
        }

        return false;
    }

    private static bool TryConsume(ref int counter)
    {
        while (true)
        {
            var n = Volatile.Read(ref counter);
            if (n <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, n - 1, n) == n)
            {
                return true;
            }
        }
    }

    // v2 (Audience API) errors: {"message": "invalid request", "detail": ...}; "detail" is the sandbox's own addition.
    private static Task V2ErrorAsync(HttpContext context, HttpStatusCode status, string detail) =>
        JsonAsync(context, status, new JsonObject
        {
            ["message"] = status switch
            {
                HttpStatusCode.BadRequest => "invalid request",
                HttpStatusCode.NotFound => "not found",
                _ => detail,
            },
            ["detail"] = detail,
        });

    // json/1.3 envelope: {"status_code","status_message","response"}. Argument errors answer HTTP 200 with status_code 210.
    private static Task EnvelopeAsync(HttpContext context, HttpStatusCode status, int code, string message, JsonNode? response = null) =>
        JsonAsync(context, status, new JsonObject { ["status_code"] = code, ["status_message"] = message, ["response"] = response });

    private static async Task JsonAsync(HttpContext context, HttpStatusCode status, JsonNode body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
