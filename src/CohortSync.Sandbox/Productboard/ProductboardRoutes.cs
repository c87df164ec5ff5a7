using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CohortSync.Sandbox.Productboard;

/// <summary>
/// The HTTP side of <see cref="ProductboardSandbox"/>, under <c>/productboard</c> (a destination's <c>baseUrl</c> points
/// there; the paths below it are the real API's). Every request passes the same gate as on Productboard: injected faults,
/// then the bearer token (401), then <c>X-Version: 1</c> (400), then the token's rate limit (429).
/// </summary>
internal static class ProductboardRoutes
{
    public const string Prefix = "/productboard";

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup(Prefix);
        api.MapGet("/users", (HttpContext c, ProductboardSandbox s) => ServeAsync(c, s, false, _ => ListAsync(c, s.ListUsers)));
        api.MapPost("/users", (HttpContext c, ProductboardSandbox s) => ServeAsync(c, s, true, data => Task.FromResult(s.CreateUser(data))));
        api.MapGet("/users/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, false, _ => Task.FromResult(s.GetUser(id))));
        api.MapPatch("/users/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, true, data => Task.FromResult(s.UpdateUser(id, data))));
        api.MapDelete("/users/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, false, _ => Task.FromResult(s.DeleteUser(id)), changes: true));
        api.MapGet("/companies", (HttpContext c, ProductboardSandbox s) => ServeAsync(c, s, false, _ => ListAsync(c, (o, l) => s.ListCompanies(c.Request.Query["term"], o, l))));
        api.MapPost("/companies", (HttpContext c, ProductboardSandbox s) => ServeAsync(c, s, true, data => Task.FromResult(s.CreateCompany(data))));
        api.MapGet("/companies/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, false, _ => Task.FromResult(s.GetCompany(id))));
        api.MapPatch("/companies/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, true, data => Task.FromResult(s.UpdateCompany(id, data))));
        api.MapDelete("/companies/{id}", (HttpContext c, ProductboardSandbox s, string id) => ServeAsync(c, s, false, _ => Task.FromResult(s.DeleteCompany(id)), changes: true));

        app.MapGet("/_sandbox/productboard", (ProductboardSandbox s) => Results.Json(s.Inspect()));
        app.MapPost("/_sandbox/productboard/reset", (ProductboardSandbox s) =>
        {
            s.Reset();
            return Results.NoContent();
        });
    }

    private static async Task ServeAsync(HttpContext context, ProductboardSandbox sandbox, bool hasBody, Func<JsonElement, Task<Reply>> handle, bool changes = false)
    {
        sandbox.CountRequest();
        if (!await PassGateAsync(context, sandbox))
        {
            return;
        }

        Reply reply;
        if (hasBody)
        {
            using var document = await ReadJsonAsync(context);
            if (document is null)
            {
                await WriteAsync(context, Reply.Error(StatusCodes.Status400BadRequest, "validation.request.body", "Invalid request body", "The request body is not JSON.", string.Empty, null));
                return;
            }

            var data = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("data", out var d) ? d : default;
            reply = await handle(data);
        }
        else
        {
            reply = await handle(default);
        }

        // A change that landed but whose answer is lost: the client sees a dropped connection and must retry safely.
        if ((hasBody || changes) && reply.Status < 300 && sandbox.TryConsumeDrop())
        {
            context.Abort();
            return;
        }

        await WriteAsync(context, reply);
    }

    private static async Task<bool> PassGateAsync(HttpContext context, ProductboardSandbox sandbox)
    {
        if (await sandbox.Faults.NextAsync(context) is { } fault)
        {
            await sandbox.Faults.WriteAsync(context, fault);
            return false;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..].Trim() : string.Empty;
        if (token.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(sandbox.Token)))
        {
            sandbox.CountUnauthorized();
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteAsync(context, Reply.Error(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", "The access token is missing, invalid or revoked.", null, null));
            return false;
        }

        if (context.Request.Headers["X-Version"].ToString() != "1")
        {
            sandbox.CountBadVersion();
            await WriteAsync(context, Reply.Error(sandbox.BadVersionStatus, "validation.request.headers", "Invalid request headers", "The X-Version header is required; allowed values: 1.", null, "X-Version"));
            return false;
        }

        var limit = sandbox.RateLimit;
        var allowed = limit.TryTake(token, out var retryAfter, out var remaining);
        if (limit.PermitsPerSecond > 0)
        {
            context.Response.Headers["X-RateLimit-Limit"] = Math.Round(limit.PermitsPerSecond).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-RateLimit-Remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        }

        if (!allowed)
        {
            // Retry-After is whole seconds (the v1 spec types it as an integer), so a client waits at least one.
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteAsync(context, Reply.Error(StatusCodes.Status429TooManyRequests, "rateLimit.exceeded", "Too many requests", "The rate limit of the access token was exceeded.", null, null));
            return false;
        }

        return true;
    }

    private static Task<Reply> ListAsync(HttpContext context, Func<int, int, (IReadOnlyList<object> Items, bool More)> list)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["pageLimit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l > 0 ? Math.Min(l, ProductboardSandbox.PageLimit) : ProductboardSandbox.PageLimit;
        var offset = int.TryParse(query["pageOffset"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) && o > 0 ? o : 0;
        var (items, more) = list(offset, limit);
        string? next = null;
        if (more)
        {
            // links.next is absolute, with the same filters, as Productboard's is.
            var parameters = query.Where(q => q.Key is not ("pageOffset" or "pageLimit"))
                .Select(q => q.Key + "=" + Uri.EscapeDataString(q.Value.ToString()))
                .Append(string.Create(CultureInfo.InvariantCulture, $"pageLimit={limit}"))
                .Append(string.Create(CultureInfo.InvariantCulture, $"pageOffset={offset + limit}"));
            next = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}?{string.Join('&', parameters)}";
        }

        return Task.FromResult(new Reply(StatusCodes.Status200OK, new { data = items, links = new { next } }));
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpContext context, Reply reply)
    {
        context.Response.StatusCode = reply.Status;
        if (reply.Body is not null)
        {
            await context.Response.WriteAsJsonAsync(reply.Body, reply.Body.GetType());
        }
    }
}

/// <summary>Registers the Productboard sandbox.</summary>
internal sealed class ProductboardModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<ProductboardSandbox>();

    public void Map(WebApplication app) => ProductboardRoutes.Map(app);
}
