using System.Collections.Concurrent;
using System.Threading.Channels;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Pushwoosh;

/// <summary>
/// A Pushwoosh simulator, modelled on the public APIs (the partner endpoint Amplitude uses is private): the Audience API's
/// <c>bulkSetTags</c> and its status, the Device API's <c>setTags</c>, and the Tags API's <c>addTag</c>/<c>listTags</c>. It
/// enforces the two token kinds (Server in the body's <c>auth</c>, Device in <c>Authorization: Token</c>), application
/// restrictions, one identifier per device, list operators, <c>hwid</c> on <c>setTags</c>, the 2 MB body limit and a
/// per-token rate limit; it applies tag changes asynchronously in arrival order after a processing delay, never creates
/// users, and reports unknown users (<c>errors</c>) and skipped users (<c>skipped_devices</c>) in a bulk request's
/// detailed status. Routes, admission, rules and data live in the other <c>Pushwoosh*</c> files beside this one. State is inspected at
/// <c>GET /_sandbox/pushwoosh</c>; see <c>README.md</c> in the connector's folder for what is modelled and what is assumed.
/// </summary>
public sealed partial class PushwooshSandbox : IAsyncDisposable
{
    /// <summary>The application the sandbox knows from the start.</summary>
    public const string DefaultApplication = "CSYNC-PW001";

    /// <summary>A Server API token accepted from the start, for every application.</summary>
    public const string DefaultServerToken = "sandbox-pushwoosh-server-token";

    /// <summary>A Device API token accepted from the start, for every application.</summary>
    public const string DefaultDeviceToken = "sandbox-pushwoosh-device-token";

    /// <summary>The list tag the connector uses by default.</summary>
    public const string DefaultTag = "Amplitude Cohorts";

    private readonly PushwooshStore _store = new();
    private readonly ConcurrentDictionary<string, TokenGrant> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BulkJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _routeRequests = new(StringComparer.Ordinal);
    private readonly Channel<QueuedWork> _queue = Channel.CreateUnbounded<QueuedWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly Task _worker;
    private int _pending;
    private int _requests;
    private int _authFailures;
    private int _smallBulkRejected;
    private int _smallBulkRequests;
    private int _setTagsWithoutHwid;
    private int _tooLarge;
    private int _unknownUsersSkipped;
    private int _dropNext;
    private int _dropped;
    private int _failNextJobs;

    /// <summary>Creates the simulator with the default application, tokens and list tag's absence (the connector creates it).</summary>
    public PushwooshSandbox()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the simulator on a clock.</summary>
    public PushwooshSandbox(TimeProvider time)
    {
        _time = time;
        _store.AddApplication(DefaultApplication);
        AddToken(DefaultServerToken, PushwooshTokenKind.Server);
        AddToken(DefaultDeviceToken, PushwooshTokenKind.Device);
        _worker = Task.Run(() => WorkAsync(_stop.Token));
    }

    /// <summary>The rate limit per token (0, the default, turns it off); answered with 429 and <c>Retry-After</c>.</summary>
    public SandboxRateLimiter RateLimiter { get; } = new(0, 5);

    /// <summary>Faults to inject (429, 5xx, latency, random drops), on <see cref="FaultRoutes"/>.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>The routes faults apply to (<c>bulkSetTags</c>, <c>bulkSetTagsStatus</c>, <c>setTags</c>, <c>addTag</c>, <c>listTags</c>); null: all.</summary>
    public IReadOnlySet<string>? FaultRoutes { get; set; }

    /// <summary>
    /// The fewest devices <c>bulkSetTags</c> takes; fewer get 400. Default 1: Pushwoosh asks callers to "ensure" 50 but
    /// documents no error for fewer (requests under 50 are counted in <see cref="SmallBulkRequests"/>); set 50 to model a refusal.
    /// </summary>
    public int MinBulkDevices { get; set; } = 1;

    /// <summary>The largest body accepted; larger ones get 413. Default 2,000,000 bytes.</summary>
    public int MaxBodyBytes { get; set; } = 2_000_000;

    /// <summary>How long after arrival a tag change is applied. Default 20 ms.</summary>
    public TimeSpan ProcessingDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Treat every user id as a registered user (for demos); by default only <see cref="AddUsers"/>'s users exist.</summary>
    public bool AcceptAnyUser
    {
        get => _store.AcceptAnyUser;
        set => _store.AcceptAnyUser = value;
    }

    /// <summary>Requests received on the vendor routes (faults included).</summary>
    public int Requests => _requests;

    /// <summary>Requests refused for a missing, unknown or wrong-kind token, or a token not allowed the application.</summary>
    public int AuthFailures => _authFailures;

    /// <summary><c>bulkSetTags</c> requests refused for holding fewer than <see cref="MinBulkDevices"/> devices.</summary>
    public int SmallBulkRejected => _smallBulkRejected;

    /// <summary>Requests refused with 413.</summary>
    public int TooLarge => _tooLarge;

    /// <summary><c>bulkSetTags</c> requests of fewer than 50 devices (accepted unless <see cref="MinBulkDevices"/> says otherwise).</summary>
    public int SmallBulkRequests => _smallBulkRequests;

    /// <summary><c>setTags</c> requests refused with 400 for naming no <c>hwid</c>.</summary>
    public int SetTagsWithoutHwid => _setTagsWithoutHwid;

    /// <summary>setTags calls for devices the sandbox does not model (accepted, then skipped, as the Device API queues).</summary>
    public int UnknownUsersSkipped => _unknownUsersSkipped;

    /// <summary>Connections dropped by <see cref="DropNext"/>.</summary>
    public int Dropped => _dropped;

    /// <summary>Requests refused for the rate limit.</summary>
    public int RateLimitViolations => RateLimiter.Violations;

    /// <summary>Requests received per route.</summary>
    public int RequestsTo(string route) => _routeRequests.GetValueOrDefault(route);

    /// <summary>Bulk requests received and accepted.</summary>
    public int BulkJobs => _jobs.Count;

    /// <summary>Adds an application code.</summary>
    public void AddApplication(string application) => _store.AddApplication(application);

    /// <summary>Accepts a token of a kind, for the given applications (none: every application).</summary>
    public void AddToken(string token, PushwooshTokenKind kind, params string[] applications) =>
        _tokens[token] = new TokenGrant(kind, applications.ToHashSet(StringComparer.Ordinal));

    /// <summary>Stops accepting a token.</summary>
    public void RemoveToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>Replaces a token by another of the same kind and applications, as a rotation in the Control Panel does.</summary>
    public void RotateToken(string oldToken, string newToken)
    {
        if (_tokens.TryRemove(oldToken, out var grant))
        {
            _tokens[newToken] = grant;
        }
    }

    /// <summary>Registers users (user ids; for cohorts, emails) in an application.</summary>
    public void AddUsers(IEnumerable<string> users, string application = DefaultApplication)
    {
        ArgumentNullException.ThrowIfNull(users);
        _store.AddUsers(users, application);
    }

    /// <summary>Makes bulk jobs skip these users (listed in <c>skipped_devices</c> with <paramref name="code"/>), as Pushwoosh may skip a user it will not update.</summary>
    public void SkipUsers(IEnumerable<string> users, string code = "user_skipped")
    {
        ArgumentNullException.ThrowIfNull(users);
        _store.SkipUsers(users, code);
    }

    /// <summary>Deletes users and their tag values, as deleting them in Pushwoosh would.</summary>
    public void RemoveUsers(IEnumerable<string> users, string application = DefaultApplication)
    {
        ArgumentNullException.ThrowIfNull(users);
        _store.RemoveUsers(users, application);
    }

    /// <summary>Defines a tag, as the Control Panel would.</summary>
    public void AddTag(string name, int type) => _store.AddTag(name, type);

    /// <summary>A tag's type, or null when it does not exist.</summary>
    public int? TagType(string name) => _store.FindTag(name, createMissing: false, isList: false)?.Type;

    /// <summary>Drops the connections of the next <paramref name="count"/> requests on <see cref="FaultRoutes"/>, before processing them.</summary>
    public void DropNext(int count) => Interlocked.Add(ref _dropNext, count);

    /// <summary>Makes the next <paramref name="count"/> bulk requests fail as a whole (status <c>Failed</c>, nothing applied).</summary>
    public void FailNextJobs(int count) => Interlocked.Add(ref _failNextJobs, count);

    /// <summary>The users whose list tag <paramref name="tag"/> holds <paramref name="value"/>.</summary>
    public IReadOnlySet<string> Members(string value, string tag = DefaultTag, string application = DefaultApplication) => _store.Members(value, tag, application);

    /// <summary>How many times each user was sent an append of a value (key <c>{tag}|{value}|{user}</c>): above 1 is a duplicate delivery.</summary>
    public IReadOnlyDictionary<string, int> Appends => _store.Appends;
}

/// <summary>Registers the Pushwoosh simulator.</summary>
internal sealed class PushwooshModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<PushwooshSandbox>();

    public void Map(WebApplication app) => PushwooshSandbox.Map(app);
}
