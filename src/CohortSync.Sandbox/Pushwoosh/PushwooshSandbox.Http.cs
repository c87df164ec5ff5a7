using System.Net;

namespace CohortSync.Sandbox.Pushwoosh;

// What every vendor route does before and after its own work: admission (count, faults, body size), the two token kinds,
// the rate limit, and the two error shapes (v2 {"message"}, json/1.3 envelope).
public sealed partial class PushwooshSandbox
{
    private enum Auth
    {
        Ok,
        Missing,
        Unknown,
        WrongKind,
        NotAllowed,
    }

    // Counts the request, applies faults (on the chosen routes) and reads the body within the size limit. Null: answered.
    private async Task<byte[]?> AdmitAsync(HttpContext context, string route, bool readBody = true)
    {
        Interlocked.Increment(ref _requests);
        _routeRequests.AddOrUpdate(route, 1, (_, n) => n + 1);
        if (FaultRoutes is null || FaultRoutes.Contains(route))
        {
            if (TryConsume(ref _dropNext))
            {
                Interlocked.Increment(ref _dropped);
                context.Abort();
                return null;
            }

            if (await Faults.NextAsync(context) is { } fault)
            {
                await Faults.WriteAsync(context, fault);
                return null;
            }
        }

        if (!readBody)
        {
            return [];
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await TooLargeAsync(context, route);
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                await TooLargeAsync(context, route);
                return null;
            }
        }

        return buffer.ToArray();
    }

    private async Task TooLargeAsync(HttpContext context, string route)
    {
        Interlocked.Increment(ref _tooLarge);
        if (route == BulkRoute)
        {
            await V2ErrorAsync(context, HttpStatusCode.RequestEntityTooLarge, "request entity too large");
        }
        else
        {
            await EnvelopeAsync(context, HttpStatusCode.RequestEntityTooLarge, 413, "Request entity too large");
        }
    }

    private Auth CheckServer(string? token, string? application)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Auth.Missing;
        }

        if (!_tokens.TryGetValue(token, out var grant))
        {
            return Auth.Unknown;
        }

        if (grant.Kind != PushwooshTokenKind.Server)
        {
            return Auth.WrongKind;
        }

        return application is null || (_store.KnowsApplication(application) && grant.Allows(application)) ? Auth.Ok : Auth.NotAllowed;
    }

    private Auth CheckDevice(string? token, string? application)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Auth.Missing;
        }

        if (!_tokens.TryGetValue(token, out var grant))
        {
            return Auth.Unknown;
        }

        if (grant.Kind != PushwooshTokenKind.Device)
        {
            return Auth.WrongKind;
        }

        return application is null || (_store.KnowsApplication(application) && grant.Allows(application)) ? Auth.Ok : Auth.NotAllowed;
    }

    // Device API only: "Authorization: Token <device token>". A token in the body's auth field is not looked at.
    private static string? DeviceToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Token ", StringComparison.Ordinal) ? header["Token ".Length..].Trim() : null;
    }

    // Answers an auth failure: 401 for a missing, unknown or wrong-kind token; for a token not allowed the application,
    // 403 "Token restrictions forbid this operation" on the Server API and 401 on the Device API (as Pushwoosh's help says).
    private async Task<bool> AuthorizeAsync(HttpContext context, Auth auth)
    {
        if (auth == Auth.Ok)
        {
            return true;
        }

        Interlocked.Increment(ref _authFailures);
        var deviceApi = context.Request.Path.Value?.EndsWith("/setTags", StringComparison.Ordinal) == true;
        var (status, message) = auth switch
        {
            Auth.NotAllowed when !deviceApi => (HttpStatusCode.Forbidden, "Token restrictions forbid this operation"),
            Auth.NotAllowed => (HttpStatusCode.Unauthorized, "Application is not authorized for this token"),
            Auth.WrongKind => (HttpStatusCode.Unauthorized, deviceApi ? "Device API requires a Device API token in the Authorization header" : "Server API requires a Server API token in the auth field"),
            Auth.Missing => (HttpStatusCode.Unauthorized, deviceApi ? "Authorization header with a Device API token is required" : "auth is required"),
            _ => (HttpStatusCode.Unauthorized, "Invalid API access token"),
        };
        await EnvelopeAsync(context, status, (int)status, message);
        return false;
    }
}
