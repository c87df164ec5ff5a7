using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

// The vendor routes. Order of checks on each: count, faults, body size (413), JSON, token, rate limit, validation.
public sealed partial class PushwooshSandbox
{
    private const string BulkRoute = "bulkSetTags";
    private const string StatusRoute = "bulkSetTagsStatus";
    private const string SetTagsRoute = "setTags";
    private const string AddTagRoute = "addTag";
    private const string ListTagsRoute = "listTags";
    private static readonly string[] Identifiers = ["hwid", "user_id", "push_token"];
    private static readonly string[] ListOperators = ["set", "append", "remove"];

    private enum Auth
    {
        Ok,
        Missing,
        Unknown,
        WrongKind,
        NotAllowed,
    }

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

        if (devices.Count < MinBulkDevices)
        {
            Interlocked.Increment(ref _smallBulkRejected);
            await V2ErrorAsync(context, HttpStatusCode.BadRequest, string.Create(CultureInfo.InvariantCulture, $"tag values must be set for at least {MinBulkDevices} devices; use /setTags for fewer"));
            return;
        }

        var createMissing = root["create_missing_tags"] is JsonValue create && create.TryGetValue(out bool yes) && yes;
        var operations = new List<DeviceOperation>(devices.Count);
        for (var i = 0; i < devices.Count; i++)
        {
            var (operation, error) = ReadBulkDevice(devices[i], createMissing);
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
        var result = new JsonObject
        {
            ["request_id"] = job.Id,
            ["status"] = status,
            ["devices"] = job.Devices.Count,
            ["processed"] = status == BulkJobStatus.Completed ? job.Devices.Count : 0,
            ["failed"] = status == BulkJobStatus.Completed ? job.Errors.Count : 0,
        };
        if (detailed && status == BulkJobStatus.Completed)
        {
            var errors = new JsonArray();
            foreach (var error in job.Errors)
            {
                errors.Add(new JsonObject { [error.IdentifierKind] = error.Identifier, ["code"] = error.Code, ["message"] = error.Message });
            }

            result["errors"] = errors;
        }

        await JsonAsync(context, HttpStatusCode.OK, result);
    }

    private async Task SetTagsAsync(HttpContext context)
    {
        if (await AdmitAsync(context, SetTagsRoute) is not { } body)
        {
            return;
        }

        var request = (Parse(body) as JsonObject)?["request"] as JsonObject;
        var application = String(request?["application"]);
        var token = DeviceToken(context.Request);
        if (!await AuthorizeAsync(context, CheckDevice(token, application)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        if (request is null || application is null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "request.application is required");
            return;
        }

        // The Device API names a user by userId or a device by hwid: exactly one.
        var userId = String(request["userId"]);
        var hwid = String(request["hwid"]);
        if ((userId is null) == (hwid is null))
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "exactly one of hwid and userId is required");
            return;
        }

        var (tags, error) = ReadSetTags(request["tags"]);
        if (error is not null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, error);
            return;
        }

        // Accepted means queued: the change lands later, and an unknown user is skipped then, never reported.
        Enqueue(new SetTagsWork(_time.GetUtcNow() + ProcessingDelay, application, new DeviceOperation(userId is null ? "hwid" : "user_id", userId ?? hwid!, tags!)));
        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK");
    }

    private async Task AddTagAsync(HttpContext context)
    {
        if (await AdmitAsync(context, AddTagRoute) is not { } body)
        {
            return;
        }

        var request = (Parse(body) as JsonObject)?["request"] as JsonObject;
        var token = String(request?["auth"]);
        if (!await AuthorizeAsync(context, CheckServer(token, null)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        var tag = request?["tag"] as JsonObject;
        var name = String(tag?["name"]);
        var type = tag?["type"] is JsonValue t && t.TryGetValue(out int n) ? n : 0;
        if (name is null || type is < 1 or > 7)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "tag.name and a tag.type from 1 to 7 are required");
            return;
        }

        lock (_gate)
        {
            if (_tags.ContainsKey(name))
            {
                name = null;
            }
            else
            {
                _tags[name] = new TagDefinition(name, type, tag!["application_specific"] is JsonValue a && a.TryGetValue(out bool specific) && specific);
            }
        }

        if (name is null)
        {
            await EnvelopeAsync(context, HttpStatusCode.OK, 210, "tag already exists");
            return;
        }

        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK", new JsonObject { ["result"] = true });
    }

    private async Task ListTagsAsync(HttpContext context)
    {
        if (await AdmitAsync(context, ListTagsRoute) is not { } body)
        {
            return;
        }

        var token = String(((Parse(body) as JsonObject)?["request"] as JsonObject)?["auth"]);
        if (!await AuthorizeAsync(context, CheckServer(token, null)) || !await TakeAsync(context, token!, v2: false))
        {
            return;
        }

        var tags = new JsonArray();
        lock (_gate)
        {
            foreach (var tag in _tags.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                tags.Add(new JsonObject { ["name"] = tag.Name, ["type"] = tag.Type, ["isApplicationSpecific"] = tag.ApplicationSpecific });
            }
        }

        await EnvelopeAsync(context, HttpStatusCode.OK, 200, "OK", new JsonObject { ["tags"] = tags });
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

        return application is null || (KnowsApplication(application) && grant.Allows(application)) ? Auth.Ok : Auth.NotAllowed;
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

        return application is null || (KnowsApplication(application) && grant.Allows(application)) ? Auth.Ok : Auth.NotAllowed;
    }

    private bool KnowsApplication(string application)
    {
        lock (_gate)
        {
            return _applications.Contains(application);
        }
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

    private (DeviceOperation? Operation, string? Error) ReadBulkDevice(JsonNode? node, bool createMissing)
    {
        if (node is not JsonObject device)
        {
            return (null, "must be an object");
        }

        var present = Identifiers.Where(id => !string.IsNullOrEmpty(String(device[id]))).ToList();
        if (present.Count != 1)
        {
            return (null, "exactly one of hwid, user_id and push_token is required");
        }

        var listOperator = String(device["list_operator"]);
        if (listOperator is not null && !ListOperators.Contains(listOperator, StringComparer.Ordinal))
        {
            return (null, "list_operator must be set, append or remove");
        }

        if (device["tags"] is not JsonObject tags || tags.Count == 0)
        {
            return (null, "tags must be a non-empty object");
        }

        var operations = new List<TagOperation>(tags.Count);
        foreach (var (name, value) in tags)
        {
            var tag = FindTag(name, createMissing, value is JsonArray);
            if (tag is null)
            {
                return (null, "tag does not exist and create_missing_tags is not true");
            }

            if (!tag.IsList)
            {
                operations.Add(new TagOperation(name, "set", [], value?.DeepClone() ?? JsonValue.Create((string?)null)));
                continue;
            }

            if (listOperator is null)
            {
                return (null, "list_operator is required for a list tag");
            }

            if (ReadStrings(value) is not { } values)
            {
                return (null, "a list tag's value must be an array of strings");
            }

            operations.Add(new TagOperation(name, listOperator, values, null));
        }

        return (new DeviceOperation(present[0], String(device[present[0]])!, operations), null);
    }

    // setTags: a list tag takes an array (replaces the list) or {"operation":"append"|"remove","value":[...]}.
    private (List<TagOperation>? Tags, string? Error) ReadSetTags(JsonNode? node)
    {
        if (node is not JsonObject tags || tags.Count == 0)
        {
            return (null, "tags must be a non-empty object");
        }

        var operations = new List<TagOperation>(tags.Count);
        foreach (var (name, value) in tags)
        {
            var tag = FindTag(name, createMissing: false, isList: false);
            if (tag is null)
            {
                return (null, "tag not found");
            }

            if (!tag.IsList)
            {
                operations.Add(new TagOperation(name, "set", [], value?.DeepClone() ?? JsonValue.Create((string?)null)));
            }
            else if (ReadStrings(value) is { } replace)
            {
                operations.Add(new TagOperation(name, "set", replace, null));
            }
            else if (value is JsonObject op && String(op["operation"]) is "append" or "remove" && ReadStrings(op["value"]) is { } values)
            {
                operations.Add(new TagOperation(name, String(op["operation"])!, values, null));
            }
            else
            {
                return (null, "a list tag's value must be an array of strings or {\"operation\":\"append\"|\"remove\",\"value\":[...]}");
            }
        }

        return (operations, null);
    }

    private TagDefinition? FindTag(string name, bool createMissing, bool isList)
    {
        lock (_gate)
        {
            if (_tags.TryGetValue(name, out var tag))
            {
                return tag;
            }

            if (!createMissing)
            {
                return null;
            }

            // Created from the value's shape: an array makes a list tag, anything else a string tag.
            return _tags[name] = new TagDefinition(name, isList ? TagDefinition.ListType : 2, true);
        }
    }

    private static List<string>? ReadStrings(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var values = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (String(item) is not { } text)
            {
                return null;
            }

            values.Add(text);
        }

        return values;
    }

    private static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static JsonNode? Parse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
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
