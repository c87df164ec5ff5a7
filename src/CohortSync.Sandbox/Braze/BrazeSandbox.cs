using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Braze;

/// <summary>
/// Braze's partner cohort import, as destination-apis.md §1.7 lists it: <c>POST /partners/{partner}/cohorts</c> and
/// <c>POST /partners/{partner}/cohorts/users</c> on per-cluster hosts, modelled as a path prefix
/// (<c>/braze/{cluster}/partners/...</c>, so a destination's <c>baseUrl</c> is <c>{sandbox}/braze/us-03/</c>). The cluster
/// decides which partner key is valid (the US key on US-* and AU-01, the EU key on EU-*), and each workspace lives on one
/// cluster. Auth is in the body, with Braze's 401 messages; validation answers 400 with Braze's messages; at most 1,000
/// identifiers a request; membership applies only to profiles that exist (seeded by tests), unknown ids are ignored silently,
/// and nothing creates a profile. A token bucket per (partner key, workspace) answers 429 with <c>X-RateLimit-*</c> headers.
/// There is no read API in Braze: state is inspected at <c>GET /_sandbox/braze</c> only.
/// </summary>
public sealed partial class BrazeSandbox
{
    /// <summary>Braze's documented limit on the cohort endpoints, per second (250,000 an hour).</summary>
    public const double DefaultPermitsPerSecond = 250_000 / 3600.0;

    /// <summary>The identifiers one request may carry.</summary>
    public const int MaxIdentifiersPerRequest = 1_000;

    private static readonly HashSet<string> Clusters = new(
        ["US-01", "US-02", "US-03", "US-04", "US-05", "US-06", "US-07", "US-08", "EU-01", "EU-02", "AU-01"], StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> ChangeKeys = new(["user_ids", "device_ids", "aliases", "should_remove"], StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly List<BrazeWorkspace> _workspaces = [];
    private int _requests;
    private int _authFailures;
    private int _validationFailures;
    private int _accepted;

    /// <summary>The partner path segment the sandbox serves.</summary>
    public string PartnerName { get; set; } = "amplitude";

    /// <summary>The partner API key valid on the US clusters (and AU-01).</summary>
    public string UsPartnerKey { get; set; } = "sandbox-braze-partner-key-us";

    /// <summary>The partner API key valid on the EU clusters.</summary>
    public string EuPartnerKey { get; set; } = "sandbox-braze-partner-key-eu";

    /// <summary>The rate limit: 250,000 requests an hour by default, with a second's worth of burst; tests scale it down.</summary>
    public SandboxRateLimiter RateLimit { get; } = new(DefaultPermitsPerSecond, Math.Floor(DefaultPermitsPerSecond));

    /// <summary>Faults to inject (429, 423, 5xx, latency, dropped connections) before a request is read.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>When true, successful calls answer 202 <c>{"message":"queued"}</c> (Braze's maintenance mode); changes still apply.</summary>
    public bool Queued { get; set; }

    /// <summary>The largest body accepted (Braze documents 4 MB for API bodies); larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 4_000_000;

    /// <summary>Requests served, faults included.</summary>
    public int Requests => _requests;

    /// <summary>Requests refused for the rate limit (injected 429s are not counted).</summary>
    public int RateLimitViolations => RateLimit.Violations;

    /// <summary>Requests refused with 401.</summary>
    public int AuthFailures => _authFailures;

    /// <summary>Requests refused with 400 or 413.</summary>
    public int ValidationFailures => _validationFailures;

    /// <summary>Requests that were applied.</summary>
    public int Accepted => _accepted;

    /// <summary>Adds a workspace on a cluster, known by its Data Import Key.</summary>
    public BrazeWorkspace AddWorkspace(string cluster, string clientSecret, bool partnerEnabled = true, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        if (!Clusters.Contains(cluster))
        {
            throw new ArgumentException($"unknown cluster '{cluster}'", nameof(cluster));
        }

        lock (_gate)
        {
            var workspace = new BrazeWorkspace(name ?? "workspace-" + (_workspaces.Count + 1).ToString(CultureInfo.InvariantCulture), cluster.ToUpperInvariant(), clientSecret, partnerEnabled);
            _workspaces.Add(workspace);
            return workspace;
        }
    }

    /// <summary>Forgets workspaces and counters, clears faults and restores the default keys and limit.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _workspaces.Clear();
        }

        _requests = _authFailures = _validationFailures = _accepted = 0;
        PartnerName = "amplitude";
        UsPartnerKey = "sandbox-braze-partner-key-us";
        EuPartnerKey = "sandbox-braze-partner-key-eu";
        Queued = false;
        RateLimit.PermitsPerSecond = DefaultPermitsPerSecond;
        RateLimit.Burst = Math.Floor(DefaultPermitsPerSecond);
        RateLimit.Reset();
        Faults.Reset();
    }

    /// <summary>Maps the Braze routes and the inspection routes.</summary>
    internal static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/braze/{cluster}/partners/{partner}/cohorts", (HttpContext context, string cluster, string partner, BrazeSandbox sandbox) =>
            sandbox.HandleAsync(context, cluster, partner, users: false));
        app.MapPost("/braze/{cluster}/partners/{partner}/cohorts/users", (HttpContext context, string cluster, string partner, BrazeSandbox sandbox) =>
            sandbox.HandleAsync(context, cluster, partner, users: true));
        app.MapGet("/_sandbox/braze", (BrazeSandbox sandbox) => Results.Json(sandbox.Inspect()));
        app.MapPost("/_sandbox/braze/reset", (BrazeSandbox sandbox) =>
        {
            sandbox.Reset();
            return Results.NoContent();
        });
    }

    private object Inspect()
    {
        List<BrazeWorkspace> workspaces;
        lock (_gate)
        {
            workspaces = [.. _workspaces];
        }

        return new
        {
            requests = Requests,
            accepted = Accepted,
            rateLimitViolations = RateLimitViolations,
            authFailures = AuthFailures,
            validationFailures = ValidationFailures,
            faultsInjected = Faults.Injected,
            rateLimit = new { permitsPerSecond = RateLimit.PermitsPerSecond, burst = RateLimit.Burst },
            workspaces = workspaces.Select(w => new
            {
                name = w.Name,
                cluster = w.Cluster,
                partnerEnabled = w.PartnerEnabled,
                profiles = w.ProfileCount,
                ignoredIdentifiers = w.IgnoredIdentifiers,
                cohorts = w.Cohorts.Select(c => new
                {
                    cohortId = c.Id,
                    name = c.Name,
                    createdAt = c.CreatedAt,
                    creates = c.Creates,
                    nameCalls = c.NameCalls,
                    renames = c.Renames,
                    members = w.Members(c.Id).Order(StringComparer.Ordinal).ToArray(),
                }),
            }),
        };
    }

    private async Task HandleAsync(HttpContext context, string cluster, string partner, bool users)
    {
        Interlocked.Increment(ref _requests);
        if (await Faults.NextAsync(context) is { } fault)
        {
            await WriteFaultAsync(context, fault);
            return;
        }

        if (!Clusters.Contains(cluster))
        {
            await WriteAsync(context, HttpStatusCode.NotFound, "Not Found");
            return;
        }

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            Interlocked.Increment(ref _validationFailures);
            await WriteAsync(context, HttpStatusCode.RequestEntityTooLarge, "Request Entity Too Large");
            return;
        }

        JsonDocument? json = null;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        using (json)
        {
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            {
                await RefuseAuthAsync(context, "Unauthorized access");
                return;
            }

            var root = json.RootElement;
            var isEu = cluster.StartsWith("EU", StringComparison.OrdinalIgnoreCase);
            var partnerKey = String(root, "partner_api_key");
            if (!string.Equals(partner, PartnerName, StringComparison.Ordinal) || partnerKey is null
                || !string.Equals(partnerKey, isEu ? EuPartnerKey : UsPartnerKey, StringComparison.Ordinal))
            {
                await RefuseAuthAsync(context, "Invalid Partner API key");
                return;
            }

            var clientSecret = String(root, "client_secret");
            var workspace = clientSecret is null ? null : Find(cluster, clientSecret);
            if (workspace is null)
            {
                await RefuseAuthAsync(context, "Invalid client secret");
                return;
            }

            if (!workspace.PartnerEnabled)
            {
                await RefuseAuthAsync(context, "Partner not enabled for client with client secret: " + clientSecret);
                return;
            }

            if (!RateLimit.TryTake(partnerKey + "|" + workspace.Name, out var retryAfter, out var remaining))
            {
                await WriteRateLimitedAsync(context, retryAfter);
                return;
            }

            WriteRateLimitHeaders(context, remaining, TimeSpan.FromSeconds((RateLimit.Burst - remaining) / Math.Max(RateLimit.PermitsPerSecond, 1e-9)));
            var error = users ? ApplyUsers(workspace, root) : ApplyName(workspace, root);
            if (error is not null)
            {
                Interlocked.Increment(ref _validationFailures);
                await WriteAsync(context, HttpStatusCode.BadRequest, error);
                return;
            }

            Interlocked.Increment(ref _accepted);
            await WriteAsync(context, Queued ? HttpStatusCode.Accepted : HttpStatusCode.OK, Queued ? "queued" : "success");
        }
    }

    private static string? ApplyName(BrazeWorkspace workspace, JsonElement root)
    {
        if (String(root, "cohort_id") is not { Length: > 0 } cohortId)
        {
            return "cohort_id must be a valid string";
        }

        if (String(root, "name") is not { } name || string.IsNullOrWhiteSpace(name))
        {
            return "name must be a non-empty string";
        }

        if (String(root, "created_at") is not { } createdAt || !IsIso8601(createdAt))
        {
            return "created_at must be a valid time as an ISO-8601 string";
        }

        lock (workspace.Gate)
        {
            workspace.NameCohort(cohortId, name, createdAt);
        }

        return null;
    }

    private static string? ApplyUsers(BrazeWorkspace workspace, JsonElement root)
    {
        if (String(root, "cohort_id") is not { Length: > 0 } cohortId)
        {
            return "cohort_id must be a valid string";
        }

        const string badChanges =
            "cohort_changes must be an array of objects each with key user_ids and/or device_ids mapping to an array of strings, or an aliases object";
        if (!root.TryGetProperty("cohort_changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
        {
            return badChanges;
        }

        var parsed = new List<(string[] UserIds, string[] DeviceIds, BrazeAlias[] Aliases, bool Remove)>();
        var total = 0;
        foreach (var change in changes.EnumerateArray())
        {
            if (ParseChange(change) is not { } one)
            {
                return badChanges;
            }

            parsed.Add(one);
            total += one.UserIds.Length + one.DeviceIds.Length + one.Aliases.Length;
        }

        if (total > MaxIdentifiersPerRequest)
        {
            return "Only 1,000 user_ids, device_ids, and aliases are allowed per request";
        }

        lock (workspace.Gate)
        {
            foreach (var (userIds, deviceIds, aliases, remove) in parsed)
            {
                workspace.Apply(cohortId, userIds, deviceIds, aliases, remove);
            }
        }

        return null;
    }

    private static (string[] UserIds, string[] DeviceIds, BrazeAlias[] Aliases, bool Remove)? ParseChange(JsonElement change)
    {
        if (change.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var keys = change.EnumerateObject().Select(p => p.Name).ToList();
        if (keys.Any(k => !ChangeKeys.Contains(k)) || !keys.Any(k => k is "user_ids" or "device_ids" or "aliases"))
        {
            return null;
        }

        var userIds = Strings(change, "user_ids");
        var deviceIds = Strings(change, "device_ids");
        var aliases = Aliases(change);
        var remove = false;
        if (change.TryGetProperty("should_remove", out var shouldRemove))
        {
            if (shouldRemove.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return null;
            }

            remove = shouldRemove.GetBoolean();
        }

        return userIds is null || deviceIds is null || aliases is null ? null : (userIds, deviceIds, aliases, remove);
    }

    // An absent array is empty; a present one must hold strings only.
    private static string[]? Strings(JsonElement change, string name)
    {
        if (!change.TryGetProperty(name, out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return null;
        }

        return array.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static BrazeAlias[]? Aliases(JsonElement change)
    {
        if (!change.TryGetProperty("aliases", out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var result = new List<BrazeAlias>();
        foreach (var alias in array.EnumerateArray())
        {
            if (alias.ValueKind != JsonValueKind.Object || String(alias, "alias_name") is not { } name || String(alias, "alias_label") is not { } label)
            {
                return null;
            }

            result.Add(new BrazeAlias(name, label));
        }

        return [.. result];
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool IsIso8601(string text) =>
        Iso8601().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();

    private BrazeWorkspace? Find(string cluster, string clientSecret)
    {
        lock (_gate)
        {
            return _workspaces.FirstOrDefault(w =>
                string.Equals(w.Cluster, cluster, StringComparison.OrdinalIgnoreCase) && string.Equals(w.ClientSecret, clientSecret, StringComparison.Ordinal));
        }
    }

    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private async Task RefuseAuthAsync(HttpContext context, string message)
    {
        Interlocked.Increment(ref _authFailures);
        await WriteAsync(context, HttpStatusCode.Unauthorized, message);
    }

    private void WriteRateLimitHeaders(HttpContext context, double remaining, TimeSpan untilReset)
    {
        var reset = DateTimeOffset.UtcNow + untilReset;
        var headers = context.Response.Headers;
        headers["X-RateLimit-Limit"] = Math.Round(RateLimit.PermitsPerSecond * 3600).ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = Math.Max(0, Math.Floor(remaining)).ToString(CultureInfo.InvariantCulture);

        // Epoch seconds, rounded up: a client that waits until then finds a token.
        headers["X-RateLimit-Reset"] = ((long)Math.Ceiling(reset.ToUnixTimeMilliseconds() / 1000.0)).ToString(CultureInfo.InvariantCulture);
    }

    private async Task WriteRateLimitedAsync(HttpContext context, TimeSpan retryAfter)
    {
        WriteRateLimitHeaders(context, 0, retryAfter);
        await WriteAsync(context, HttpStatusCode.TooManyRequests, "Rate Limited");
    }

    private async Task WriteFaultAsync(HttpContext context, Fault fault)
    {
        if (fault.Drop)
        {
            context.Abort();
            return;
        }

        switch (fault.Status!.Value)
        {
            case HttpStatusCode.TooManyRequests:
                await WriteRateLimitedAsync(context, TimeSpan.FromSeconds(Faults.RetryAfterSeconds));
                break;
            case HttpStatusCode.Locked:
                await WriteAsync(context, HttpStatusCode.Locked, "Resource locked");
                break;
            default:
                await WriteAsync(context, fault.Status.Value, "injected fault");
                break;
        }
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, string message)
    {
        context.Response.StatusCode = (int)status;
        await context.Response.WriteAsJsonAsync(new { message });
    }
}

/// <summary>Registers the Braze sandbox.</summary>
internal sealed class BrazeModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<BrazeSandbox>();

    public void Map(WebApplication app) => BrazeSandbox.Map(app);
}
