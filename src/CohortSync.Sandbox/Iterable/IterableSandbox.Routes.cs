using System.Globalization;
using System.Text.Json;

namespace CohortSync.Sandbox.Iterable;

/// <summary>The routes: data center, <c>Api-Key</c>, rate limits and faults, then the list routes.</summary>
public sealed partial class IterableSandbox
{
    /// <summary>Maps the API and its inspection routes.</summary>
    internal static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/iterable/{dc}/api");
        api.MapGet("/lists", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.GetLists));
        api.MapPost("/lists", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.CreateList));
        api.MapDelete("/lists/{listId}", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.DeleteList));
        api.MapPost("/lists/subscribe", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.Subscribe));
        api.MapPost("/lists/unsubscribe", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.Unsubscribe));
        api.MapGet("/lists/getUsers", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.GetUsers));
        api.MapGet("/lists/{listId}/size", (HttpContext c, IterableSandbox s) => s.ServeAsync(c, Route.Size));
        app.MapGet("/_sandbox/iterable", (IterableSandbox s) => Results.Json(s.Inspect()));
        app.MapPost("/_sandbox/iterable/reset", (IterableSandbox s) =>
        {
            s.Reset();
            return Results.NoContent();
        });
    }

    private async Task ServeAsync(HttpContext context, Route route)
    {
        Interlocked.Increment(ref _requests);
        if (await Faults.NextAsync(context) is { } fault)
        {
            await Faults.WriteAsync(context, fault);
            return;
        }

        var dc = (context.GetRouteValue("dc") as string)?.ToUpperInvariant() switch
        {
            "US" => IterableDataCenter.US,
            "EU" => IterableDataCenter.EU,
            _ => (IterableDataCenter?)null,
        };
        if (dc is null)
        {
            await EnvelopeAsync(context, StatusCodes.Status404NotFound, "NotFound", "Not found");
            return;
        }

        // Keys are project- and data-center-specific: a key from the other data center is as unknown as a wrong one.
        var key = context.Request.Headers["Api-Key"].FirstOrDefault() ?? context.Request.Headers["Api_Key"].FirstOrDefault();
        IterableProject? project;
        lock (_gate)
        {
            project = key is null ? null : _projects.FirstOrDefault(p => string.Equals(p.ApiKey, key, StringComparison.Ordinal));
        }

        if (project is null || project.DataCenter != dc)
        {
            Interlocked.Increment(ref _unauthorized);
            await EnvelopeAsync(context, StatusCodes.Status401Unauthorized, "BadApiKey", "Invalid API key");
            return;
        }

        var limiter = route switch
        {
            Route.Subscribe or Route.Unsubscribe => ListUpdates,
            Route.GetUsers or Route.Size => ListExports,
            _ => ListReads,
        };
        if (!limiter.TryTake(project.Name, out var wait, out _))
        {
            if (SendRetryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await EnvelopeAsync(context, StatusCodes.Status429TooManyRequests, "RateLimitExceeded", "Rate limit exceeded");
            return;
        }

        await (route switch
        {
            Route.GetLists => GetListsAsync(context, project),
            Route.CreateList => CreateListAsync(context, project),
            Route.DeleteList => DeleteListAsync(context, project),
            Route.Subscribe => BulkAsync(context, project, unsubscribe: false),
            Route.Unsubscribe => BulkAsync(context, project, unsubscribe: true),
            Route.GetUsers => GetUsersAsync(context, project),
            _ => SizeAsync(context, project),
        });
    }

    private static async Task GetListsAsync(HttpContext context, IterableProject project)
    {
        object[] lists;
        lock (project.Gate)
        {
            lists = project.AllLists.OrderBy(l => l.Id).Select(l => (object)new
            {
                id = l.Id,
                name = l.Name,
                description = l.Description,
                createdAt = l.CreatedAt.ToUnixTimeMilliseconds(),
                listType = l.ListType,
            }).ToArray();
        }

        await context.Response.WriteAsJsonAsync(new { lists });
    }

    private async Task CreateListAsync(HttpContext context, IterableProject project)
    {
        using var json = await ReadJsonAsync(context);
        if (json is null)
        {
            return;
        }

        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || String(root, "name") is not { Length: > 0 } name || string.IsNullOrWhiteSpace(name))
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters");
            return;
        }

        var listId = project.CreateList(name, String(root, "description"), "Standard", DateTimeOffset.UtcNow);
        Interlocked.Increment(ref _listsCreated);
        await context.Response.WriteAsJsonAsync(new { listId });
    }

    private static async Task DeleteListAsync(HttpContext context, IterableProject project)
    {
        if (!long.TryParse(context.GetRouteValue("listId") as string, NumberStyles.None, CultureInfo.InvariantCulture, out var listId))
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters");
            return;
        }

        (int Status, string Code, string Message) answer;
        lock (project.Gate)
        {
            var list = project.FindList(listId);
            answer = list is null ? (StatusCodes.Status404NotFound, "NotFound", "List does not exist")
                : list.InUse ? (StatusCodes.Status409Conflict, "GenericError", "List is in use")
                : (StatusCodes.Status200OK, "Success", "Deleted list");
            if (answer.Status == StatusCodes.Status200OK)
            {
                project.RemoveList(listId);
            }
        }

        await EnvelopeAsync(context, answer.Status, answer.Code, answer.Message);
    }

    // Parses the body; on failure answers 400 BadJsonBody and returns null.
    private static async Task<JsonDocument?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadJsonBody", "Could not parse request body as JSON");
            return null;
        }
    }

    private static Task EnvelopeAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { code, msg = message, @params = (object?)null });
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private enum Route
    {
        GetLists,
        CreateList,
        DeleteList,
        Subscribe,
        Unsubscribe,
        GetUsers,
        Size,
    }
}
