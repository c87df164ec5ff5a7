using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Productboard;

/// <summary>
/// The Productboard v1 Companies &amp; Users API as the sandbox simulates it (routes in <see cref="ProductboardRoutes"/>):
/// bearer token and <c>X-Version: 1</c> on every request, 50 requests a second per token (429 with <c>Retry-After</c> and
/// <c>X-RateLimit-*</c>), users unique on email (case-insensitive) and external id, <c>POST /users</c> create-only (409 when
/// either is taken), <c>PATCH /users/{id}</c> setting only the fields sent, users answered in the public schema (no
/// company), 100 items a page with <c>links.next</c>, faults, and cohort membership (inspection only) read as the users
/// linked to each company. State in <see cref="ProductboardState"/>, body rules in <see cref="ProductboardRules"/>. What is unverified about the real API is listed in the connector's README; the sandbox
/// follows the choices made there. Thread-safe.
/// </summary>
public sealed partial class ProductboardSandbox
{
    /// <summary>The token accepted until a test sets another.</summary>
    public const string DefaultToken = "sandbox-productboard-token";

    /// <summary>The documented limit per token.</summary>
    public const double DocumentedRequestsPerSecond = 50;

    /// <summary>Items per page of <c>GET /users</c> and <c>GET /companies</c> (v1: "only the first 100 items are returned by default").</summary>
    public const int PageLimit = 100;

    /// <summary>Detail of the 409 when a create or update sends an external id another user has.</summary>
    public const string ExternalIdTakenDetail = "A user with the provided external ID already exists.";

    /// <summary>Detail of the 409 when a create or update sends an email another user has.</summary>
    public const string EmailTakenDetail = "A user with the provided email address already exists.";

    private readonly Lock _gate = new();
    private readonly ProductboardState _state = new();
    private int _requests;
    private int _unauthorized;
    private int _badVersion;
    private int _conflicts;
    private int _usersCreated;
    private int _usersDeleted;
    private int _companiesCreated;
    private int _dropAfterApplying;

    /// <summary>The access token requests must carry (rotate it by setting another).</summary>
    public string Token { get; set; } = DefaultToken;

    /// <summary>The status for a missing or wrong <c>X-Version</c> (unverified; the spec only marks the header required). Default 400.</summary>
    public int BadVersionStatus { get; set; } = StatusCodes.Status400BadRequest;

    /// <summary>The per-token token bucket: 50 a second, a bucket of 10 (the real bucket size is not published).</summary>
    public SandboxRateLimiter RateLimit { get; } = new(DocumentedRequestsPerSecond, 10);

    /// <summary>Faults injected before a request is served.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Requests received (faults included).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests refused with 401.</summary>
    public int Unauthorized => Volatile.Read(ref _unauthorized);

    /// <summary>Requests refused for a missing or wrong <c>X-Version</c>.</summary>
    public int BadVersion => Volatile.Read(ref _badVersion);

    /// <summary>Requests refused with 409.</summary>
    public int Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>Users created (by <c>POST /users</c>).</summary>
    public int UsersCreated => Volatile.Read(ref _usersCreated);

    /// <summary>Users deleted.</summary>
    public int UsersDeleted => Volatile.Read(ref _usersDeleted);

    /// <summary>Companies created.</summary>
    public int CompaniesCreated => Volatile.Read(ref _companiesCreated);

    /// <summary>Requests refused for the rate limit.</summary>
    public int LimitViolations => RateLimit.Violations;

    /// <summary>Users stored now.</summary>
    public int UserCount
    {
        get
        {
            lock (_gate)
            {
                return _state.Users.Count;
            }
        }
    }

    /// <summary>
    /// Applies the next <paramref name="count"/> changing requests (POST, PATCH, DELETE) and then drops their connection
    /// before answering: the client cannot tell whether the change landed, and must be safe to send it again.
    /// </summary>
    public void DropResponsesAfterApplying(int count) => Interlocked.Exchange(ref _dropAfterApplying, count);

    /// <summary>The cohort of a company (inspection only): the external ids (else <c>id:{id}</c>) of the users linked to it.</summary>
    public IReadOnlySet<string> Members(string companyId)
    {
        lock (_gate)
        {
            return _state.Users.Where(u => u.CompanyId == companyId).Select(MemberKey).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Every stored user, with its company link.</summary>
    public IReadOnlyList<ProductboardSandboxUser> Users()
    {
        lock (_gate)
        {
            return [.. _state.Users];
        }
    }

    /// <summary>Every stored company.</summary>
    public IReadOnlyList<ProductboardSandboxCompany> Companies()
    {
        lock (_gate)
        {
            return [.. _state.Companies];
        }
    }

    /// <summary>The user with an external id, if any.</summary>
    public ProductboardSandboxUser? FindByExternalId(string externalId)
    {
        lock (_gate)
        {
            return _state.ByExternalId(externalId);
        }
    }

    /// <summary>Stores a user as if Productboard already knew it (from its own UI or another integration); returns its id.</summary>
    public string SeedUser(string? email, string? externalId, string? name = null, string? companyId = null)
    {
        lock (_gate)
        {
            var user = new ProductboardSandboxUser(_state.NewId(), email, externalId, name, companyId);
            _state.Insert(user);
            return user.Id;
        }
    }

    /// <summary>Clears users, companies, counters, faults, the token and the limit.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _state.Clear();
            _requests = _unauthorized = _badVersion = _conflicts = _usersCreated = _usersDeleted = _companiesCreated = _dropAfterApplying = 0;
        }

        Token = DefaultToken;
        RateLimit.PermitsPerSecond = DocumentedRequestsPerSecond;
        RateLimit.Burst = 10;
        RateLimit.Reset();
        Faults.Reset();
    }

    internal void CountRequest() => Interlocked.Increment(ref _requests);

    internal void CountUnauthorized() => Interlocked.Increment(ref _unauthorized);

    internal void CountBadVersion() => Interlocked.Increment(ref _badVersion);

    internal bool TryConsumeDrop()
    {
        while (true)
        {
            var left = Volatile.Read(ref _dropAfterApplying);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _dropAfterApplying, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static string MemberKey(ProductboardSandboxUser user) => user.ExternalId ?? "id:" + user.Id;

}
