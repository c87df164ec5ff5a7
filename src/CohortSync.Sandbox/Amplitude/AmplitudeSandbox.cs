using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Amplitude;

/// <summary>One member of a simulated cohort: its ids and user properties.</summary>
public sealed record AmplitudeMember(string? UserId, long AmplitudeId, IReadOnlyDictionary<string, string>? Properties = null);

/// <summary>
/// Amplitude's Behavioral Cohorts API as https://amplitude.com/docs/apis/analytics/behavioral-cohorts describes it, under
/// <c>/amplitude/{region}/</c> (<c>us</c> and <c>eu</c> serve disjoint projects): Basic auth; the cohort list with size,
/// lastComputed and archived; the export state machine (202 on request, 202 while running, 200 when done, after a
/// configurable duration); the file inline below a size threshold, else a 302 to a pre-signed link that expires; the limits
/// (5 concurrent per project, 60 export requests per 10 minutes, a monthly download quota) answered with 429 and a body
/// that says which; tab-prefixed CSV; cohorts that change between exports. State is inspected at <c>GET /_sandbox/amplitude</c>.
/// </summary>
public sealed class AmplitudeSandbox
{
    private readonly ConcurrentDictionary<string, Project> _projects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Export> _exports = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Link> _links = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _recentExportRequests = new();
    private int _expireNextLinks;
    private int _requests;
    private int _exportRequests;
    private int _downloads;
    private int _throttled;

    /// <summary>How long an export takes to be ready.</summary>
    public TimeSpan ExportDuration { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Files with more members than this come through a redirect to a short-lived link.</summary>
    public int InlineThreshold { get; set; } = 1000;

    /// <summary>How long a download link lives (Amplitude: one minute).</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests served at once per project before 429 (Amplitude: 5).</summary>
    public int MaxConcurrentPerProject { get; set; } = 5;

    /// <summary>Export requests per 10 minutes before 429 (Amplitude: 60).</summary>
    public int ExportRequestsPerTenMinutes { get; set; } = 60;

    /// <summary>Downloads a month before 429 (Amplitude: 500).</summary>
    public int MonthlyDownloadQuota { get; set; } = 500;

    /// <summary>Faults to inject on every route.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Requests served.</summary>
    public int Requests => _requests;

    /// <summary>Export requests accepted.</summary>
    public int ExportRequests => _exportRequests;

    /// <summary>Files downloaded completely (inline, or through a link).</summary>
    public int Downloads => _downloads;

    /// <summary>Requests answered 429 for a limit (injected faults not included).</summary>
    public int Throttled => _throttled;

    /// <summary>Adds or replaces a project: its region (<c>us</c>/<c>eu</c>) and <c>api_key:secret_key</c>.</summary>
    public void AddProject(string region, string apiKey, string secretKey) =>
        _projects[Key(region, apiKey)] = new Project(secretKey);

    /// <summary>Sets a cohort's members (and recomputes it: a new lastComputed).</summary>
    public void SetCohort(string region, string apiKey, string cohortId, string name, IEnumerable<AmplitudeMember> members, DateTimeOffset? computedAt = null)
    {
        var project = _projects[Key(region, apiKey)];
        project.Cohorts[cohortId] = new Cohort(cohortId, name, members.ToList(), computedAt ?? DateTimeOffset.UtcNow, Archived: false, MalformedAtLine: null);
    }

    /// <summary>
    /// The most members Amplitude's cohort export serves (2,000,000, its documented limit): a larger cohort's export request
    /// is refused with 400.
    /// </summary>
    public const long MaxExportMembers = 2_000_000;

    /// <summary>
    /// Writes <c>lastComputed</c> in epoch seconds, as Amplitude's public sample of the cohort list does, instead of
    /// milliseconds (which the sandbox writes by default; the API reference does not fix the unit).
    /// </summary>
    public bool LastComputedInSeconds { get; set; }

    /// <summary>Makes the cohort list report a size for a cohort without holding that many members (a cohort too large to export).</summary>
    public void SetReportedSize(string region, string apiKey, string cohortId, long size)
    {
        var project = _projects[Key(region, apiKey)];
        project.Cohorts[cohortId] = project.Cohorts[cohortId] with { ReportedSize = size };
    }

    /// <summary>Archives a cohort.</summary>
    public void Archive(string region, string apiKey, string cohortId)
    {
        var project = _projects[Key(region, apiKey)];
        project.Cohorts[cohortId] = project.Cohorts[cohortId] with { Archived = true };
    }

    /// <summary>Makes the next exports of a cohort produce a file with a broken quote on a line (2 = the first member).</summary>
    public void CorruptCohortFile(string region, string apiKey, string cohortId, int line)
    {
        var project = _projects[Key(region, apiKey)];
        project.Cohorts[cohortId] = project.Cohorts[cohortId] with { MalformedAtLine = line, LastComputed = DateTimeOffset.UtcNow };
    }

    /// <summary>Issues the next <paramref name="count"/> download links already expired.</summary>
    public void ExpireNextLinks(int count) => Interlocked.Exchange(ref _expireNextLinks, count);

    internal static void MapRoutes(WebApplication app)
    {
        var api = app.MapGroup("/amplitude/{region}");
        api.MapGet("/api/3/cohorts", (HttpContext c, string region, AmplitudeSandbox s) => s.ServeAsync(c, region, s.ListCohorts));
        api.MapGet("/api/5/cohorts/request/{cohortId}", (HttpContext c, string region, string cohortId, AmplitudeSandbox s) =>
            s.ServeAsync(c, region, p => s.RequestExport(c, p, cohortId)));
        api.MapGet("/api/5/cohorts/request-status/{requestId}", (HttpContext c, string region, string requestId, AmplitudeSandbox s) =>
            s.ServeAsync(c, region, p => s.Status(p, requestId)));
        api.MapGet("/api/5/cohorts/request/{requestId}/file", (HttpContext c, string region, string requestId, AmplitudeSandbox s) =>
            s.ServeAsync(c, region, p => s.File(c, p, requestId)));
        app.MapGet("/amplitude/_s3/{token}", (string token, AmplitudeSandbox s) => s.FollowLink(token));
        app.MapGet("/_sandbox/amplitude", (AmplitudeSandbox s) => Results.Json(new
        {
            requests = s.Requests,
            exportRequests = s.ExportRequests,
            downloads = s.Downloads,
            throttled = s.Throttled,
            faultsInjected = s.Faults.Injected,
            projects = s._projects.ToDictionary(p => p.Key.Split('|')[0] + "|" + p.Key.Split('|')[1][..Math.Min(4, p.Key.Split('|')[1].Length)] + "…", p => p.Value.Cohorts.Keys.ToArray()),
        }));
    }

    private static string Key(string region, string apiKey) => region.ToLowerInvariant() + "|" + apiKey;

    private async Task<IResult> ServeAsync(HttpContext context, string region, Func<Project, IResult> handle)
    {
        Interlocked.Increment(ref _requests);
        if (await Faults.NextAsync(context.RequestAborted) is { } fault)
        {
            await Faults.WriteAsync(context, fault);
            return Results.Empty;
        }

        if (!TryAuthenticate(context, region, out var project))
        {
            return Results.Json(new { error = new { http_code = 401, type = "unauthorized", metadata = new { details = "Invalid API/Secret Key combination" } } }, statusCode: 401);
        }

        if (Interlocked.Increment(ref project.InFlight) > MaxConcurrentPerProject)
        {
            Interlocked.Decrement(ref project.InFlight);
            return Throttle($"Too many concurrent requests: at most {MaxConcurrentPerProject} at once per project");
        }

        try
        {
            return handle(project);
        }
        finally
        {
            Interlocked.Decrement(ref project.InFlight);
        }
    }

    private bool TryAuthenticate(HttpContext context, string region, out Project project)
    {
        project = null!;
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || header.Parameter is null)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && _projects.TryGetValue(Key(region, decoded[..colon]), out project!)
            && string.Equals(project.SecretKey, decoded[(colon + 1)..], StringComparison.Ordinal);
    }

    private IResult ListCohorts(Project project) => Results.Json(new
    {
        cohorts = project.Cohorts.Values.Select(c => new
        {
            id = c.Id,
            name = c.Name,
            size = c.ReportedSize ?? c.Members.Count,
            lastComputed = LastComputedInSeconds ? c.LastComputed.ToUnixTimeSeconds() : c.LastComputed.ToUnixTimeMilliseconds(),
            lastMod = c.LastComputed.ToUnixTimeMilliseconds(),
            archived = c.Archived,
            finished = true,
            published = true,
            type = "redshift",
            syncMetadata = Array.Empty<object>(),
        }),
    });

    private IResult RequestExport(HttpContext context, Project project, string cohortId)
    {
        if (!project.Cohorts.TryGetValue(cohortId, out var cohort) || cohort.Archived)
        {
            return Results.Json(new { error = new { http_code = 404, type = "not_found", message = "Cohort not found" } }, statusCode: 404);
        }

        // The message is the sandbox's: Amplitude documents the limit, not the words of its refusal.
        if ((cohort.ReportedSize ?? cohort.Members.Count) > MaxExportMembers)
        {
            return Results.Json(new { error = new { http_code = 400, type = "bad_request", message = "Cohort is too large to download (over 2,000,000 users)" } }, statusCode: 400);
        }

        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            while (_recentExportRequests.Count > 0 && now - _recentExportRequests.Peek() > TimeSpan.FromMinutes(10))
            {
                _recentExportRequests.Dequeue();
            }

            if (_recentExportRequests.Count >= ExportRequestsPerTenMinutes)
            {
                return Throttle($"Exceeded the limit of {ExportRequestsPerTenMinutes} cohort export requests per 10 minutes for this app");
            }

            if (project.DownloadsThisMonth >= MonthlyDownloadQuota)
            {
                return Throttle($"Exceeded the monthly quota of {MonthlyDownloadQuota} cohort downloads");
            }

            _recentExportRequests.Enqueue(now);
        }

        var withProperties = context.Request.Query["props"] == "1";
        var keys = context.Request.Query["propKeys"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        if (withProperties && keys.Count == 0)
        {
            keys = cohort.Members.SelectMany(m => m.Properties?.Keys ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        var export = new Export(Guid.NewGuid().ToString("N"), cohort, withProperties ? keys : [], now + ExportDuration);
        _exports[export.RequestId] = export;
        Interlocked.Increment(ref _exportRequests);
        return Results.Json(new { request_id = export.RequestId, cohort_id = cohort.Id }, statusCode: 202);
    }

    private IResult Status(Project project, string requestId)
    {
        if (!_exports.TryGetValue(requestId, out var export))
        {
            return Results.Json(new { error = new { http_code = 404, type = "not_found", message = "Request not found" } }, statusCode: 404);
        }

        var done = DateTimeOffset.UtcNow >= export.ReadyAt;
        return Results.Json(
            new { request_id = requestId, cohort_id = export.Cohort.Id, async_status = done ? "JOB COMPLETED" : "JOB INPROGRESS" },
            statusCode: done ? 200 : 202);
    }

    private IResult File(HttpContext context, Project project, string requestId)
    {
        if (!_exports.TryGetValue(requestId, out var export) || DateTimeOffset.UtcNow < export.ReadyAt)
        {
            return Results.Json(new { error = new { http_code = 404, type = "not_found", message = "File not ready" } }, statusCode: 404);
        }

        if (export.Cohort.Members.Count <= InlineThreshold)
        {
            Interlocked.Increment(ref _downloads);
            Interlocked.Increment(ref project.DownloadsThisMonth);
            return Results.Text(Csv(export), "text/csv");
        }

        var expired = Interlocked.Decrement(ref _expireNextLinks) >= 0;
        var token = Guid.NewGuid().ToString("N");
        _links[token] = new Link(export, project, expired ? DateTimeOffset.UtcNow.AddSeconds(-1) : DateTimeOffset.UtcNow + LinkLifetime);
        var location = $"{context.Request.Scheme}://{context.Request.Host}/amplitude/_s3/{token}";
        return Results.Redirect(location, permanent: false);
    }

    private IResult FollowLink(string token)
    {
        if (!_links.TryGetValue(token, out var link) || DateTimeOffset.UtcNow > link.Expires)
        {
            return Results.Text("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", "application/xml", statusCode: 403);
        }

        Interlocked.Increment(ref _downloads);
        Interlocked.Increment(ref link.Project.DownloadsThisMonth);
        return Results.Text(Csv(link.Export), "text/csv");
    }

    private IResult Throttle(string reason)
    {
        Interlocked.Increment(ref _throttled);
        return Results.Json(new { error = new { http_code = 429, type = "too_many_requests", message = reason } }, statusCode: 429);
    }

    // Amplitude's own SDK: "CSV returned from API has all strings prefixed with a tab character".
    private static string Csv(Export export)
    {
        var text = new StringBuilder();
        var header = new List<string> { "user_id", "amplitude_id" };
        header.AddRange(export.PropertyKeys);
        text.AppendJoin(',', header.Select(h => "\t" + h)).Append('\n');
        var line = 1;
        foreach (var member in export.Cohort.Members)
        {
            line++;
            var values = new List<string> { member.UserId is null ? string.Empty : "\t" + member.UserId, member.AmplitudeId.ToString(CultureInfo.InvariantCulture) };
            values.AddRange(export.PropertyKeys.Select(k => member.Properties?.TryGetValue(k, out var v) == true ? "\t" + Quote(v) : string.Empty));
            if (line == export.Cohort.MalformedAtLine)
            {
                values[0] = "\t\"unterminated" + values[0];
            }

            text.AppendJoin(',', values).Append('\n');
        }

        return text.ToString();
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private sealed class Project(string secretKey)
    {
        public string SecretKey { get; } = secretKey;

        public ConcurrentDictionary<string, Cohort> Cohorts { get; } = new(StringComparer.Ordinal);

        public int InFlight;

        public int DownloadsThisMonth;
    }

    private sealed record Cohort(string Id, string Name, IReadOnlyList<AmplitudeMember> Members, DateTimeOffset LastComputed, bool Archived, int? MalformedAtLine, long? ReportedSize = null);

    private sealed record Export(string RequestId, Cohort Cohort, IReadOnlyList<string> PropertyKeys, DateTimeOffset ReadyAt);

    private sealed record Link(Export Export, Project Project, DateTimeOffset Expires);
}

/// <summary>Registers the Amplitude simulator.</summary>
internal sealed class AmplitudeModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<AmplitudeSandbox>();

    public void Map(WebApplication app) => AmplitudeSandbox.MapRoutes(app);
}
