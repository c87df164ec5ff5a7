using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Pushwoosh;

/// <summary>
/// A Pushwoosh simulator, modelled on the public APIs (the partner endpoint Amplitude uses is private): the Audience API's
/// <c>bulkSetTags</c> and its status, the Device API's <c>setTags</c>, and the Tags API's <c>addTag</c>/<c>listTags</c>. It
/// enforces the two token kinds (Server in the body's <c>auth</c>, Device in <c>Authorization: Token</c>), application
/// restrictions, the 50-device minimum of <c>bulkSetTags</c>, one identifier per device, list operators, the 2 MB body limit
/// and a per-token rate limit; it applies tag changes asynchronously in arrival order after a processing delay, never
/// creates users, and reports unknown users in a bulk request's detailed status. State is inspected at
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

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, TokenGrant> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _applications = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagDefinition> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Application, string User), Dictionary<string, object>> _values = [];
    private readonly ConcurrentDictionary<string, int> _appends = new(StringComparer.Ordinal);
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
        _applications.Add(DefaultApplication);
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

    /// <summary>The fewest devices <c>bulkSetTags</c> takes. Default 50, as documented.</summary>
    public int MinBulkDevices { get; set; } = 50;

    /// <summary>The largest body accepted; larger ones get 413. Default 2,000,000 bytes.</summary>
    public int MaxBodyBytes { get; set; } = 2_000_000;

    /// <summary>How long after arrival a tag change is applied. Default 20 ms.</summary>
    public TimeSpan ProcessingDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Treat every user id as a registered user (for demos); by default only <see cref="AddUsers"/>'s users exist.</summary>
    public bool AcceptAnyUser { get; set; }

    /// <summary>Requests received on the vendor routes (faults included).</summary>
    public int Requests => _requests;

    /// <summary>Requests refused for a missing, unknown or wrong-kind token, or a token not allowed the application.</summary>
    public int AuthFailures => _authFailures;

    /// <summary><c>bulkSetTags</c> requests refused for holding fewer than <see cref="MinBulkDevices"/> devices.</summary>
    public int SmallBulkRejected => _smallBulkRejected;

    /// <summary>Requests refused with 413.</summary>
    public int TooLarge => _tooLarge;

    /// <summary>setTags calls for users the application does not know (accepted, then skipped, as the Device API queues).</summary>
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
    public void AddApplication(string application)
    {
        lock (_gate)
        {
            _applications.Add(application);
        }
    }

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
        lock (_gate)
        {
            _applications.Add(application);
            if (!_users.TryGetValue(application, out var set))
            {
                _users[application] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(users);
        }
    }

    /// <summary>Deletes users and their tag values, as deleting them in Pushwoosh would.</summary>
    public void RemoveUsers(IEnumerable<string> users, string application = DefaultApplication)
    {
        ArgumentNullException.ThrowIfNull(users);
        lock (_gate)
        {
            foreach (var user in users)
            {
                _users.GetValueOrDefault(application)?.Remove(user);
                _values.Remove((application, user));
            }
        }
    }

    /// <summary>Defines a tag, as the Control Panel would.</summary>
    public void AddTag(string name, int type)
    {
        lock (_gate)
        {
            _tags[name] = new TagDefinition(name, type, true);
        }
    }

    /// <summary>A tag's type, or null when it does not exist.</summary>
    public int? TagType(string name)
    {
        lock (_gate)
        {
            return _tags.TryGetValue(name, out var tag) ? tag.Type : null;
        }
    }

    /// <summary>Drops the connections of the next <paramref name="count"/> requests on <see cref="FaultRoutes"/>, before processing them.</summary>
    public void DropNext(int count) => Interlocked.Add(ref _dropNext, count);

    /// <summary>Makes the next <paramref name="count"/> bulk requests fail as a whole (status <c>Failed</c>, nothing applied).</summary>
    public void FailNextJobs(int count) => Interlocked.Add(ref _failNextJobs, count);

    /// <summary>The users whose list tag <paramref name="tag"/> holds <paramref name="value"/>.</summary>
    public IReadOnlySet<string> Members(string value, string tag = DefaultTag, string application = DefaultApplication)
    {
        lock (_gate)
        {
            return _values
                .Where(e => e.Key.Application == application && e.Value.TryGetValue(tag, out var v) && v is HashSet<string> set && set.Contains(value))
                .Select(e => e.Key.User)
                .ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>How many times each user was sent an append of a value (key <c>{tag}|{value}|{user}</c>): above 1 is a duplicate delivery.</summary>
    public IReadOnlyDictionary<string, int> Appends => _appends;

    /// <summary>Waits until every accepted tag change has been applied (a condition, not a sleep).</summary>
    public async Task WhenIdleAsync(TimeSpan? timeout = null)
    {
        var deadline = _time.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref _pending) > 0)
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException("the Pushwoosh sandbox still has tag changes to apply");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>The inspection document served at <c>GET /_sandbox/pushwoosh</c>.</summary>
    public JsonObject Inspect()
    {
        var jobs = new JsonObject();
        foreach (var group in _jobs.Values.GroupBy(j => j.Status, StringComparer.Ordinal))
        {
            jobs[group.Key] = group.Count();
        }

        var routes = new JsonObject();
        foreach (var (route, count) in _routeRequests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            routes[route] = count;
        }

        var memberships = new JsonObject();
        var tags = new JsonArray();
        lock (_gate)
        {
            foreach (var tag in _tags.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                tags.Add(new JsonObject { ["name"] = tag.Name, ["type"] = tag.Type });
            }

            foreach (var ((application, user), values) in _values.OrderBy(v => v.Key.User, StringComparer.Ordinal))
            {
                foreach (var (tag, value) in values)
                {
                    if (value is not HashSet<string> set)
                    {
                        continue;
                    }

                    var byTag = (JsonObject)(memberships[application] ??= new JsonObject());
                    var byValue = (JsonObject)(byTag[tag] ??= new JsonObject());
                    foreach (var item in set)
                    {
                        ((JsonArray)(byValue[item] ??= new JsonArray())).Add(user);
                    }
                }
            }
        }

        return new JsonObject
        {
            ["requests"] = Requests,
            ["routes"] = routes,
            ["authFailures"] = AuthFailures,
            ["rateLimitViolations"] = RateLimitViolations,
            ["smallBulkRejected"] = SmallBulkRejected,
            ["tooLarge"] = TooLarge,
            ["unknownUsersSkipped"] = UnknownUsersSkipped,
            ["faultsInjected"] = Faults.Injected,
            ["dropped"] = Dropped,
            ["pendingChanges"] = Volatile.Read(ref _pending),
            ["jobs"] = jobs,
            ["tags"] = tags,
            ["memberships"] = memberships,
        };
    }

    /// <summary>Clears users, tags, memberships, jobs, counters and faults; keeps applications and tokens.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _users.Clear();
            _tags.Clear();
            _values.Clear();
        }

        _appends.Clear();
        _jobs.Clear();
        _routeRequests.Clear();
        _requests = _authFailures = _smallBulkRejected = _tooLarge = _unknownUsersSkipped = _dropNext = _dropped = _failNextJobs = 0;
        RateLimiter.Reset();
        Faults.Reset();
        FaultRoutes = null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Faults.Release();
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _worker;
        }
        catch (OperationCanceledException)
        {
            // Stopping mid-delay is the expected way out.
        }

        _stop.Dispose();
    }

    private void Enqueue(QueuedWork work)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(work))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    // One reader applies changes in arrival order, each no sooner than its due time, as Pushwoosh's queue would.
    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var work in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                if (work is BulkWork bulk)
                {
                    bulk.Job.Status = BulkJobStatus.Processing;
                }

                var wait = work.DueAt - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                switch (work)
                {
                    case BulkWork { Fail: true } failed:
                        failed.Job.Status = BulkJobStatus.Failed;
                        break;
                    case BulkWork ok:
                        Apply(ok.Job);
                        break;
                    case SetTagsWork setTags:
                        if (Apply(setTags.Application, setTags.Device) is not null)
                        {
                            Interlocked.Increment(ref _unknownUsersSkipped);
                        }

                        break;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private void Apply(BulkJob job)
    {
        foreach (var device in job.Devices)
        {
            if (Apply(job.Application, device) is { } error)
            {
                job.Errors.Add(error);
            }
        }

        job.Status = BulkJobStatus.Completed;
    }

    // Applies one device's tag changes; returns why it could not, or null. Users are never created.
    private DeviceError? Apply(string application, DeviceOperation device)
    {
        lock (_gate)
        {
            if (device.IdentifierKind != "user_id")
            {
                // The sandbox models users only; a hwid or push token matches no device.
                return new DeviceError(device.IdentifierKind, device.Identifier, "device_not_found", "device not found");
            }

            var known = AcceptAnyUser || (_users.TryGetValue(application, out var users) && users.Contains(device.Identifier));
            if (!known)
            {
                return new DeviceError(device.IdentifierKind, device.Identifier, "user_not_found", "user not found");
            }

            if (!_values.TryGetValue((application, device.Identifier), out var values))
            {
                _values[(application, device.Identifier)] = values = new Dictionary<string, object>(StringComparer.Ordinal);
            }

            foreach (var operation in device.Tags)
            {
                if (operation.Scalar is not null)
                {
                    values[operation.Tag] = operation.Scalar.ToJsonString();
                    continue;
                }

                if (values.GetValueOrDefault(operation.Tag) is not HashSet<string> set || operation.Operator == "set")
                {
                    values[operation.Tag] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                foreach (var value in operation.Values)
                {
                    if (operation.Operator == "remove")
                    {
                        set.Remove(value);
                    }
                    else
                    {
                        set.Add(value);
                        if (operation.Operator == "append")
                        {
                            _appends.AddOrUpdate($"{operation.Tag}|{value}|{device.Identifier}", 1, (_, n) => n + 1);
                        }
                    }
                }
            }

            return null;
        }
    }
}

/// <summary>Registers the Pushwoosh simulator.</summary>
internal sealed class PushwooshModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<PushwooshSandbox>();

    public void Map(WebApplication app) => PushwooshSandbox.Map(app);
}
