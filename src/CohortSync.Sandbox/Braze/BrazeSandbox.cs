using System.Globalization;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Braze;

/// <summary>
/// Braze on per-cluster hosts, modelled as a path prefix (<c>/braze/{cluster}/...</c>, so a destination's <c>baseUrl</c> is
/// <c>{sandbox}/braze/us-03/</c>): <c>POST /users/track</c> (<see cref="HandleTrackAsync"/>: Bearer REST API key, 75 objects,
/// custom attributes with array <c>add</c>/<c>remove</c>, <c>_update_existing_only</c>, 3,000 requests per 3 s), and the
/// partner cohort import, <c>POST /partners/{partner}/cohorts</c> and <c>POST /partners/{partner}/cohorts/users</c>. The cluster
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

    /// <summary><c>/users/track</c>'s documented limit: 3,000 requests per three seconds per workspace.</summary>
    public const double TrackPermitsPerSecond = 1_000;

    /// <summary>The identifiers one request may carry.</summary>
    public const int MaxIdentifiersPerRequest = 1_000;

    private static readonly HashSet<string> Clusters = new(
        ["US-01", "US-02", "US-03", "US-04", "US-05", "US-06", "US-07", "US-08", "US-10", "EU-01", "EU-02", "AU-01", "ID-01", "JP-01", "KR-01"], StringComparer.OrdinalIgnoreCase);

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

    /// <summary>The <c>/users/track</c> limit per workspace: 3,000 requests per three seconds (a three-second burst).</summary>
    public SandboxRateLimiter TrackRateLimit { get; } = new(TrackPermitsPerSecond, 3 * TrackPermitsPerSecond);

    /// <summary>Faults to inject (429, 423, 5xx, latency, dropped connections) before a request is read.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>When true, successful calls answer 202 <c>{"message":"queued"}</c> (Braze's maintenance mode); changes still apply.</summary>
    public bool Queued { get; set; }

    /// <summary>The largest body accepted (Braze documents 4 MB for API bodies); larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 4_000_000;

    /// <summary>Requests served, faults included.</summary>
    public int Requests => _requests;

    /// <summary>Requests refused for the rate limit (injected 429s are not counted).</summary>
    public int RateLimitViolations => RateLimit.Violations + TrackRateLimit.Violations;

    /// <summary>Requests refused with 401.</summary>
    public int AuthFailures => _authFailures;

    /// <summary>Requests refused with 400 or 413.</summary>
    public int ValidationFailures => _validationFailures;

    /// <summary>Requests that were applied.</summary>
    public int Accepted => _accepted;

    /// <summary>Adds a workspace on a cluster, known by its Data Import Key.</summary>
    public BrazeWorkspace AddWorkspace(string cluster, string clientSecret, bool partnerEnabled = true, string? name = null, string? restApiKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientSecret);
        if (!Clusters.Contains(cluster))
        {
            throw new ArgumentException($"unknown cluster '{cluster}'", nameof(cluster));
        }

        lock (_gate)
        {
            var workspace = new BrazeWorkspace(name ?? "workspace-" + (_workspaces.Count + 1).ToString(CultureInfo.InvariantCulture), cluster.ToUpperInvariant(), clientSecret, partnerEnabled)
            {
                RestApiKey = restApiKey,
            };
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
        TrackRateLimit.PermitsPerSecond = TrackPermitsPerSecond;
        TrackRateLimit.Burst = 3 * TrackPermitsPerSecond;
        TrackRateLimit.Reset();
        Faults.Reset();
    }

    /// <summary>Maps the Braze routes and the inspection routes.</summary>
    internal static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/braze/{cluster}/partners/{partner}/cohorts", (HttpContext context, string cluster, string partner, BrazeSandbox sandbox) =>
            sandbox.HandleCohortAsync(context, cluster, partner, users: false));
        app.MapPost("/braze/{cluster}/partners/{partner}/cohorts/users", (HttpContext context, string cluster, string partner, BrazeSandbox sandbox) =>
            sandbox.HandleCohortAsync(context, cluster, partner, users: true));
        app.MapPost("/braze/{cluster}/users/track", (HttpContext context, string cluster, BrazeSandbox sandbox) => sandbox.HandleTrackAsync(context, cluster));
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
                dataPoints = w.DataPoints,
                createdProfiles = w.CreatedProfiles,
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

    private BrazeWorkspace? Find(string cluster, string clientSecret)
    {
        lock (_gate)
        {
            return _workspaces.FirstOrDefault(w =>
                string.Equals(w.Cluster, cluster, StringComparison.OrdinalIgnoreCase) && string.Equals(w.ClientSecret, clientSecret, StringComparison.Ordinal));
        }
    }
}

/// <summary>Registers the Braze sandbox.</summary>
internal sealed class BrazeModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<BrazeSandbox>();

    public void Map(WebApplication app) => BrazeSandbox.Map(app);
}
