using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using static CohortSync.Sandbox.Pushwoosh.PushwooshRules;

namespace CohortSync.Sandbox.Pushwoosh;

// The vendor routes. Order of checks on each: count, faults, body size (413), JSON, token, rate limit, validation.
public sealed partial class PushwooshSandbox
{
    private const string BulkRoute = "bulkSetTags";
    private const string StatusRoute = "bulkSetTagsStatus";
    private const string SetTagsRoute = "setTags";
    private const string AddTagRoute = "addTag";
    private const string ListTagsRoute = "listTags";

    /// <summary>Maps the vendor routes and the inspection routes.</summary>
    internal static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/v2/audience/bulkSetTags", (HttpContext context, PushwooshSandbox sandbox) => sandbox.BulkSetTagsAsync(context));
        app.MapGet("/api/v2/audience/bulkSetTags/{requestId}", (HttpContext context, string requestId, PushwooshSandbox sandbox) => sandbox.BulkStatusAsync(context, requestId));
        app.MapPost("/json/1.3/setTags", (HttpContext context, PushwooshSandbox sandbox) => sandbox.SetTagsAsync(context));
        app.MapPost("/json/1.3/addTag", (HttpContext context, PushwooshSandbox sandbox) => sandbox.AddTagAsync(context));
        app.MapPost("/json/1.3/listTags", (HttpContext context, PushwooshSandbox sandbox) => sandbox.ListTagsAsync(context));
        app.MapGet("/_sandbox/pushwoosh", (PushwooshSandbox sandbox) => Results.Text(sandbox.Inspect().ToJsonString(), "application/json"));
        app.MapPost("/_sandbox/pushwoosh/reset", (PushwooshSandbox sandbox) =>
        {
            sandbox.Reset();
            return Results.NoContent();
        });

        // Seeds users over HTTP, for a sandbox running in its own process: {"application"?, "users":[...]}.
        app.MapPost("/_sandbox/pushwoosh/users", async (HttpContext context, PushwooshSandbox sandbox) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var users = body?["users"]?.AsArray().Select(u => u?.GetValue<string>()).OfType<string>().ToList() ?? [];
            sandbox.AddUsers(users, body?["application"]?.GetValue<string>() ?? DefaultApplication);
            return Results.Ok(new { added = users.Count });
        });
    }

    private async Task BulkSetTagsAsync(HttpContext context)
    {
        if (await AdmitAsync(context, BulkRoute) is not { } body)
        {
            return;
        }

        if (Parse(body) is not JsonObject root)
        {
            await V2ErrorAsync(context, HttpStatusCode.BadRequest, "body is not a JSON object");
            return;
        }

        var application = String(root["application"]);
        var token = String(root["auth"]);
        if (!await AuthorizeAsync(context, CheckServer(token, application)) || !await TakeAsync(context, token!, v2: true))
        {
            return;
        }

        if (application is null || root["devices"] is not JsonArray devices || devices.Count == 0)
        {
            await V2ErrorAsync(context, HttpStatusCode.BadRequest, "application and a non-empty devices array are required");
            return;
        }

        // Pushwoosh asks callers to "ensure" at least 50 devices but documents no error for fewer: accepted and counted,
        // unless MinBulkDevices is raised to model a refusal.
        if (devices.Count < 50)
        {
            Interlocked.Increment(ref _smallBulkRequests);
        }

        if (devices.Count < MinBulkDevices)
        {
            Interlocked.Increment(ref _smallBulkRejected);
            await V2ErrorAsync(context, HttpStatusCode.BadRequest, string.Create(CultureInfo.InvariantCulture, $"tag values must be set for at least {MinBulkDevices} devices"));
            return;
        }

        var createMissing = root["create_missing_tags"] is JsonValue create && create.TryGetValue(out bool yes) && yes;
        var operations = new List<DeviceOperation>(devices.Count);
        for (var i = 0; i < devices.Count; i++)
        {
            var (operation, error) = ReadBulkDevice(devices[i], createMissing, _store);
            if (error is not null)
            {
                await V2ErrorAsync(context, HttpStatusCode.BadRequest, string.Create(CultureInfo.InvariantCulture, $"devices[{i}]: {error}"));
                return;
            }

            operations.Add(operation!);
        }

        var job = new BulkJob(Guid.NewGuid().ToString("N"), application, token!, operations);
        _jobs[job.Id] = job;
        Enqueue(new BulkWork(_time.GetUtcNow() + ProcessingDelay, job, TryConsume(ref _failNextJobs)));
        await JsonAsync(context, HttpStatusCode.OK, new JsonObject { ["request_id"] = job.Id, ["status"] = BulkJobStatus.Pending });
    }

    private async Task BulkStatusAsync(HttpContext context, string requestId)
    {
        if (await AdmitAsync(context, StatusRoute, readBody: false) is null)
        {
            return;
        }

        if (!_jobs.TryGetValue(requestId, out var job))
        {
            await V2ErrorAsync(context, HttpStatusCode.NotFound, "request not found");
            return;
        }

        // The status read carries no token (none is documented); it counts against the token that made the job.
        if (!await TakeAsync(context, job.Token, v2: true))
        {
            return;
        }

        var detailed = string.Equals(context.Request.Query["detailed"], "true", StringComparison.OrdinalIgnoreCase);
        var status = job.Status;
        var done = status == BulkJobStatus.Completed;
        var errors = done ? job.Errors.Where(e => !e.Skipped).ToList() : [];
        var skipped = done ? job.Errors.Where(e => e.Skipped).ToList() : [];
        var result = new JsonObject
        {
            ["request_id"] = job.Id,
            ["status"] = status,
            ["devices"] = job.Devices.Count,
            ["processed"] = done ? job.Devices.Count - job.Errors.Count : 0,
            ["failed"] = errors.Count,
            ["skipped"] = skipped.Count,
        };
        if (detailed && done)
        {
            result["errors"] = Devices(errors);
            result["skipped_devices"] = Devices(skipped);
        }

        await JsonAsync(context, HttpStatusCode.OK, result);
    }

    private static JsonArray Devices(IEnumerable<DeviceError> devices)
    {
        var list = new JsonArray();
        foreach (var device in devices)
        {
            list.Add(new JsonObject { [device.IdentifierKind] = device.Identifier, ["code"] = device.Code, ["message"] = device.Message });
        }

        return list;
    }
}
