using System.Globalization;
using System.Text;
using System.Text.Json;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Iterable;

/// <summary>
/// Iterable's Lists API as destination-apis.md §2 records it. The two data centers are served under <c>/iterable/us/</c>
/// (<c>api.iterable.com</c>) and <c>/iterable/eu/</c> (<c>api.eu.iterable.com</c>); a key works only on its project's data
/// center. It enforces the <c>Api-Key</c> header (401 <c>BadApiKey</c>), required parameters (400 <c>BadParams</c>), a
/// per-request subscriber cap (400 <c>BatchTooLarge</c>), per-subscriber validation reported in <c>failedUpdates</c> with
/// HTTP 200, the project-type matrix (<c>updateExistingUsersOnly</c>, <c>preferUserId</c>, placeholder emails), per-project
/// rate limits (429 <c>RateLimitExceeded</c>), 409 on deleting a list in use, and injected faults. It records membership
/// and counts requests and limit violations; state is inspected at <c>GET /_sandbox/iterable</c>.
/// </summary>
public sealed class IterableSandbox
{
    /// <summary>The default project's API key.</summary>
    public const string DefaultApiKey = "sandbox-iterable-key";

    /// <summary>The default subscribe/unsubscribe limit per project (Iterable documents none; this matches the connector's default).</summary>
    public const double DefaultListUpdatesPerSecond = 10;

    private readonly Lock _gate = new();
    private readonly List<IterableProject> _projects = [];
    private long _nextListId = 100_000;
    private int _requests;
    private int _unauthorized;
    private int _subscribeRequests;
    private int _unsubscribeRequests;
    private int _listsCreated;
    private int _channelUnsubscribes;

    /// <summary>Creates the sandbox with its default project.</summary>
    public IterableSandbox() => DefaultProject = Reset();

    /// <summary>The project the default key opens: US data center, userId-based.</summary>
    public IterableProject DefaultProject { get; private set; }

    /// <summary>Faults to inject on the API routes.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Subscribe and unsubscribe, per project (Iterable documents no limit: UNVERIFIED, configurable).</summary>
    public SandboxRateLimiter ListUpdates { get; } = new(DefaultListUpdatesPerSecond, 2);

    /// <summary><c>GET /api/lists</c>: 100 a second per project (documented).</summary>
    public SandboxRateLimiter ListReads { get; } = new(100, 100);

    /// <summary><c>GET /api/lists/getUsers</c> and <c>/size</c>: 5 a minute per project (documented).</summary>
    public SandboxRateLimiter ListExports { get; } = new(5.0 / 60, 5);

    /// <summary>The most subscribers one request may carry (Iterable's real cap is UNVERIFIED; <c>BatchTooLarge</c> exists).</summary>
    public int MaxSubscribersPerRequest { get; set; } = 1000;

    /// <summary>Whether a 429 carries <c>Retry-After</c> (UNVERIFIED for Iterable; on by default, off to test without it).</summary>
    public bool SendRetryAfter { get; set; } = true;

    /// <summary>The top-level domains emails may end in (Iterable checks TLDs against IANA's list).</summary>
    public HashSet<string> KnownTlds { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>API requests served (faults and refusals included).</summary>
    public int Requests => _requests;

    /// <summary>Requests refused with 401.</summary>
    public int Unauthorized => _unauthorized;

    /// <summary>Subscribe requests that reached the handler.</summary>
    public int SubscribeRequests => _subscribeRequests;

    /// <summary>Unsubscribe requests that reached the handler.</summary>
    public int UnsubscribeRequests => _unsubscribeRequests;

    /// <summary>Lists created through <c>POST /api/lists</c>.</summary>
    public int ListsCreated => _listsCreated;

    /// <summary>Unsubscribe requests with <c>channelUnsubscribe: true</c> (a global unsubscribe; the connector must send none).</summary>
    public int ChannelUnsubscribes => _channelUnsubscribes;

    /// <summary>Requests refused for a rate limit, on every route.</summary>
    public int Violations => ListUpdates.Violations + ListReads.Violations + ListExports.Violations;

    /// <summary>Adds a project with its own key and data center.</summary>
    public IterableProject AddProject(string name, string apiKey, IterableDataCenter dataCenter = IterableDataCenter.US, IterableProjectType projectType = IterableProjectType.UserIdBased)
    {
        var project = new IterableProject(name, apiKey, dataCenter, projectType, () => Interlocked.Increment(ref _nextListId));
        lock (_gate)
        {
            _projects.Add(project);
        }

        return project;
    }

    /// <summary>Forgets every project, list, user, counter and fault, and restores the default limits and project.</summary>
    public IterableProject Reset()
    {
        lock (_gate)
        {
            _projects.Clear();
        }

        _requests = _unauthorized = _subscribeRequests = _unsubscribeRequests = _listsCreated = _channelUnsubscribes = 0;
        Faults.Reset();
        (ListUpdates.PermitsPerSecond, ListUpdates.Burst) = (DefaultListUpdatesPerSecond, 2);
        (ListReads.PermitsPerSecond, ListReads.Burst) = (100, 100);
        (ListExports.PermitsPerSecond, ListExports.Burst) = (5.0 / 60, 5);
        ListUpdates.Reset();
        ListReads.Reset();
        ListExports.Reset();
        MaxSubscribersPerRequest = 1000;
        SendRetryAfter = true;
        KnownTlds.Clear();
        KnownTlds.UnionWith(IterableValidation.DefaultTlds);
        return DefaultProject = AddProject("default", DefaultApiKey);
    }

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

    private async Task BulkAsync(HttpContext context, IterableProject project, bool unsubscribe)
    {
        if (unsubscribe)
        {
            Interlocked.Increment(ref _unsubscribeRequests);
        }
        else
        {
            Interlocked.Increment(ref _subscribeRequests);
        }

        using var json = await ReadJsonAsync(context);
        if (json is null)
        {
            return;
        }

        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("listId", out var listIdElement) || listIdElement.ValueKind != JsonValueKind.Number || !listIdElement.TryGetInt64(out var listId)
            || !root.TryGetProperty("subscribers", out var subscribers) || subscribers.ValueKind != JsonValueKind.Array)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters: listId and subscribers are required");
            return;
        }

        if (subscribers.GetArrayLength() > MaxSubscribersPerRequest)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BatchTooLarge", $"At most {MaxSubscribersPerRequest} subscribers per request");
            return;
        }

        var updateExistingUsersOnly = !unsubscribe && Flag(root, "updateExistingUsersOnly");
        if (unsubscribe && Flag(root, "channelUnsubscribe"))
        {
            Interlocked.Increment(ref _channelUnsubscribes);
        }

        var failed = new FailedUpdates();
        int success = 0, fail = 0;
        string? refusal = null;
        lock (project.Gate)
        {
            var list = project.FindList(listId);
            if (list is null)
            {
                // UNVERIFIED whether Iterable answers 400 or 404 for an unknown list.
                refusal = "Invalid parameters: list does not exist";
            }
            else if (!string.Equals(list.ListType, "Standard", StringComparison.Ordinal))
            {
                refusal = "Invalid parameters: only static lists can be changed";
            }
            else
            {
                foreach (var subscriber in subscribers.EnumerateArray())
                {
                    if (unsubscribe ? Unsubscribe(project, list, subscriber, failed) : Subscribe(project, list, subscriber, updateExistingUsersOnly, failed))
                    {
                        success++;
                    }
                    else
                    {
                        fail++;
                    }
                }
            }
        }

        if (refusal is not null)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", refusal);
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            successCount = success,
            failCount = fail,
            invalidEmails = failed.InvalidEmails,
            invalidUserIds = failed.InvalidUserIds,
            failedUpdates = failed,
            createdFields = Array.Empty<string>(),
            filteredOutFields = Array.Empty<string>(),
        });
    }

    // One subscriber of a subscribe, by the project-type matrix of destination-apis.md §2.3. Called under the project's lock.
    private bool Subscribe(IterableProject project, SandboxList list, JsonElement subscriber, bool updateExistingUsersOnly, FailedUpdates failed)
    {
        if (!Identify(project, subscriber, failed, out var email, out var userId))
        {
            return false;
        }

        var preferUserId = Flag(subscriber, "preferUserId");
        if (subscriber.TryGetProperty("dataFields", out var fields) && fields.ValueKind != JsonValueKind.Null
            && (fields.ValueKind != JsonValueKind.Object || !fields.EnumerateObject().All(f => project.FieldTypeFits(f.Name, f.Value.ValueKind))))
        {
            (userId is not null ? failed.InvalidDataUserIds : failed.InvalidDataEmails).Add(userId ?? email!);
            return false;
        }

        SandboxUser? user;
        switch (project.ProjectType)
        {
            case IterableProjectType.EmailBased when email is not null:
                // Email is the identity: it wins, and a userId sent beside it overwrites the user's.
                user = project.ByEmail(email) ?? (updateExistingUsersOnly ? null : project.Create(null, email));
                if (user is null)
                {
                    failed.NotFoundEmails.Add(email);
                    return false;
                }

                if (userId is not null)
                {
                    project.SetUserId(user, userId);
                }

                break;

            case IterableProjectType.EmailBased:
                user = project.ByUserId(userId!)
                    ?? (preferUserId && !updateExistingUsersOnly ? project.Create(userId, IterableProject.PlaceholderEmail(userId!)) : null);
                if (user is null)
                {
                    failed.NotFoundUserIds.Add(userId!);
                    return false;
                }

                break;

            case IterableProjectType.UserIdBased when userId is null:
                // Inference: with no userId there is nothing to create a user from, so only a known email subscribes.
                user = project.ByEmail(email!);
                if (user is null)
                {
                    failed.NotFoundEmails.Add(email!);
                    return false;
                }

                break;

            default:
                var byId = userId is null ? null : project.ByUserId(userId);
                var byEmail = email is null ? null : project.ByEmail(email);
                if (byEmail is not null && byId is not null && !ReferenceEquals(byId, byEmail))
                {
                    failed.ConflictEmails.Add(email!);
                    return false;
                }

                if (project.ProjectType == IterableProjectType.UserIdBased && byId is null && byEmail is not null)
                {
                    failed.ConflictEmails.Add(email!);
                    return false;
                }

                user = byId ?? byEmail;
                if (user is null)
                {
                    if (updateExistingUsersOnly)
                    {
                        (userId is not null ? failed.NotFoundUserIds : failed.NotFoundEmails).Add(userId ?? email!);
                        return false;
                    }

                    user = project.Create(userId, email);
                }
                else
                {
                    if (userId is not null && user.UserId is null)
                    {
                        project.SetUserId(user, userId);
                    }

                    if (email is not null && user.Email is null)
                    {
                        project.SetEmail(user, email);
                    }
                }

                break;
        }

        if (fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                user.DataFields[field.Name] = field.Value.ToString();
            }
        }

        list.Members.Add(user);
        list.Subscribes[user.MemberKey] = list.Subscribes.GetValueOrDefault(user.MemberKey) + 1;
        return true;
    }

    // One subscriber of an unsubscribe: a user Iterable does not know is reported in notFound*. Called under the project's lock.
    private bool Unsubscribe(IterableProject project, SandboxList list, JsonElement subscriber, FailedUpdates failed)
    {
        if (!Identify(project, subscriber, failed, out var email, out var userId))
        {
            return false;
        }

        var user = userId is not null ? project.ByUserId(userId) : project.ByEmail(email!);
        if (user is null)
        {
            (userId is not null ? failed.NotFoundUserIds : failed.NotFoundEmails).Add(userId ?? email!);
            return false;
        }

        list.Members.Remove(user);
        return true;
    }

    // Reads and checks a subscriber's identifiers; false (recorded in failed, or unattributed when there is none) if unusable.
    private bool Identify(IterableProject project, JsonElement subscriber, FailedUpdates failed, out string? email, out string? userId)
    {
        email = subscriber.ValueKind == JsonValueKind.Object ? String(subscriber, "email") : null;
        userId = subscriber.ValueKind == JsonValueKind.Object ? String(subscriber, "userId") : null;
        if (email is null && userId is null)
        {
            return false;
        }

        if (email is not null && !IterableValidation.IsValidEmail(email, KnownTlds))
        {
            failed.InvalidEmails.Add(email);
            return false;
        }

        if (userId is not null && !IterableValidation.IsValidUserId(userId))
        {
            failed.InvalidUserIds.Add(userId);
            return false;
        }

        if (email is not null && project.ForgottenEmails.Contains(email))
        {
            failed.ForgottenEmails.Add(email);
            return false;
        }

        if (userId is not null && project.ForgottenUserIds.Contains(userId))
        {
            failed.ForgottenUserIds.Add(userId);
            return false;
        }

        return true;
    }

    private static async Task GetUsersAsync(HttpContext context, IterableProject project)
    {
        var query = context.Request.Query;
        if (!long.TryParse(query["listId"], NumberStyles.None, CultureInfo.InvariantCulture, out var listId))
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters: listId is required");
            return;
        }

        var preferUserId = string.Equals(query["preferUserId"], "true", StringComparison.OrdinalIgnoreCase);
        string? text;
        lock (project.Gate)
        {
            text = project.FindList(listId) is { } list
                ? string.Concat(list.Members.Select(m => (preferUserId ? m.UserId ?? m.Email : m.Email ?? m.UserId) + "\n"))
                : null;
        }

        if (text is null)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters: list does not exist");
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, Encoding.UTF8);
    }

    private static async Task SizeAsync(HttpContext context, IterableProject project)
    {
        int? size = null;
        if (long.TryParse(context.GetRouteValue("listId") as string, NumberStyles.None, CultureInfo.InvariantCulture, out var listId))
        {
            lock (project.Gate)
            {
                size = project.FindList(listId)?.Members.Count;
            }
        }

        if (size is null)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters: list does not exist");
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(size.Value.ToString(CultureInfo.InvariantCulture));
    }

    private object Inspect()
    {
        IterableProject[] projects;
        lock (_gate)
        {
            projects = [.. _projects];
        }

        return new
        {
            requests = Requests,
            unauthorized = Unauthorized,
            violations = Violations,
            faultsInjected = Faults.Injected,
            subscribeRequests = SubscribeRequests,
            unsubscribeRequests = UnsubscribeRequests,
            listsCreated = ListsCreated,
            channelUnsubscribes = ChannelUnsubscribes,
            limits = new
            {
                listUpdatesPerSecond = ListUpdates.PermitsPerSecond,
                listReadsPerSecond = ListReads.PermitsPerSecond,
                listExportsPerSecond = ListExports.PermitsPerSecond,
                maxSubscribersPerRequest = MaxSubscribersPerRequest,
            },
            projects = projects.Select(p => new
            {
                name = p.Name,
                dataCenter = p.DataCenter.ToString(),
                projectType = p.ProjectType.ToString(),
                users = p.UserCount,
                lists = p.Lists().Select(l => new { id = l.Id, name = l.Name, listType = l.ListType, members = p.Members(l.Id).Order(StringComparer.Ordinal).ToArray() }),
            }),
        };
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

    // failedUpdates of a bulk answer (FailedUserUpdates); serialized with camelCase names.
    private sealed class FailedUpdates
    {
        public List<string> InvalidEmails { get; } = [];

        public List<string> InvalidUserIds { get; } = [];

        public List<string> NotFoundEmails { get; } = [];

        public List<string> NotFoundUserIds { get; } = [];

        public List<string> ForgottenEmails { get; } = [];

        public List<string> ForgottenUserIds { get; } = [];

        public List<string> ConflictEmails { get; } = [];

        public List<string> ConflictUserIds { get; } = [];

        public List<string> InvalidDataEmails { get; } = [];

        public List<string> InvalidDataUserIds { get; } = [];
    }
}

/// <summary>Registers the Iterable sandbox.</summary>
internal sealed class IterableModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<IterableSandbox>();

    public void Map(WebApplication app) => IterableSandbox.Map(app);
}
