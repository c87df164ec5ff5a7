using System.Globalization;
using System.Text;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Iterable;

/// <summary>
/// Iterable's Lists API as its Swagger document records it (Iterable/api-client api-docs.json, "Iterable API" v1.8). The two data centers are served under <c>/iterable/us/</c>
/// (<c>api.iterable.com</c>) and <c>/iterable/eu/</c> (<c>api.eu.iterable.com</c>); a key works only on its project's data
/// center. It enforces the <c>Api-Key</c> header (401 <c>BadApiKey</c>), required parameters (400 <c>BadParams</c>), a
/// per-request subscriber cap (400 <c>BatchTooLarge</c>), per-subscriber validation reported in <c>failedUpdates</c> with
/// HTTP 200, the project-type matrix (<c>updateExistingUsersOnly</c>, <c>preferUserId</c>, placeholder emails), per-project
/// rate limits (429 <c>RateLimitExceeded</c>), 409 on deleting a list in use, and injected faults. It records membership
/// and counts requests and limit violations; state is inspected at <c>GET /_sandbox/iterable</c>. Split in four: this file
/// (state, counters, list exports, inspection), <c>.Routes</c> (auth, limits, list routes), <c>.Bulk</c> (subscribe and
/// unsubscribe requests) and <c>.Rules</c> (one subscriber by the project-type matrix and the typed-field rules).
/// </summary>
public sealed partial class IterableSandbox
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
}

/// <summary>Registers the Iterable sandbox.</summary>
internal sealed class IterableModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<IterableSandbox>();

    public void Map(WebApplication app) => IterableSandbox.Map(app);
}
