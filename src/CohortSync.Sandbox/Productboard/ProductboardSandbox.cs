using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Productboard;

/// <summary>A user as the sandbox stores it.</summary>
public sealed record ProductboardSandboxUser(string Id, string? Email, string? ExternalId, string? Name, string? CompanyId);

/// <summary>A company as the sandbox stores it.</summary>
public sealed record ProductboardSandboxCompany(string Id, string Name, string? ExternalId, string? Domain, string? Description);

/// <summary>
/// The Productboard v1 Companies &amp; Users API as the sandbox simulates it (routes in <see cref="ProductboardRoutes"/>):
/// bearer token and <c>X-Version: 1</c> on every request, 50 requests a second per token (429 with <c>Retry-After</c> and
/// <c>X-RateLimit-*</c>), users unique on email (case-insensitive) and external id, <c>POST /users</c> merging on them with
/// the two documented 409 conflicts, 100 items a page with <c>links.next</c>, faults, and cohort membership read as the
/// users linked to each company. What is unverified about the real API is listed in the connector's README; the sandbox
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

    /// <summary>The longest email and external id (v1 OpenAPI <c>maxLength</c> 256).</summary>
    public const int MaxFieldLength = 256;

    /// <summary>Detail of the 409 when the external id's user has another email (v1 Notes API wording).</summary>
    public const string EmailMismatchDetail = "Provided email address does not match an existing email address associated with the user identified by the given external ID.";

    /// <summary>Detail of the 409 when the email's user has another external id (v1 Notes API wording).</summary>
    public const string ExternalIdMismatchDetail = "Provided external ID does not match the existing external ID of the user identified by the given email address.";

    private readonly Lock _gate = new();
    private readonly List<ProductboardSandboxUser> _users = [];
    private readonly Dictionary<string, int> _userIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _byExternalId = new(StringComparer.Ordinal);
    private readonly List<ProductboardSandboxCompany> _companies = [];
    private long _nextId;
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

    /// <summary>Users created (by <c>POST /users</c> without a merge).</summary>
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
                return _users.Count;
            }
        }
    }

    /// <summary>
    /// Applies the next <paramref name="count"/> changing requests (POST, PATCH, DELETE) and then drops their connection
    /// before answering: the client cannot tell whether the change landed, and must be safe to send it again.
    /// </summary>
    public void DropResponsesAfterApplying(int count) => Interlocked.Exchange(ref _dropAfterApplying, count);

    /// <summary>The cohort of a company: the merge keys (external id, else <c>id:{id}</c>) of the users linked to it.</summary>
    public IReadOnlySet<string> Members(string companyId)
    {
        lock (_gate)
        {
            return _users.Where(u => u.CompanyId == companyId).Select(MemberKey).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Every stored user.</summary>
    public IReadOnlyList<ProductboardSandboxUser> Users()
    {
        lock (_gate)
        {
            return [.. _users];
        }
    }

    /// <summary>Every stored company.</summary>
    public IReadOnlyList<ProductboardSandboxCompany> Companies()
    {
        lock (_gate)
        {
            return [.. _companies];
        }
    }

    /// <summary>The user with an external id, if any.</summary>
    public ProductboardSandboxUser? FindByExternalId(string externalId)
    {
        lock (_gate)
        {
            return _byExternalId.TryGetValue(externalId, out var id) ? _users[_userIndex[id]] : null;
        }
    }

    /// <summary>Stores a user as if Productboard already knew it (from its own UI or another integration); returns its id.</summary>
    public string SeedUser(string? email, string? externalId, string? name = null, string? companyId = null)
    {
        lock (_gate)
        {
            var user = new ProductboardSandboxUser(NewId(), email, externalId, name, companyId);
            Insert(user);
            return user.Id;
        }
    }

    /// <summary>Clears users, companies, counters, faults, the token and the limit.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _users.Clear();
            _userIndex.Clear();
            _byEmail.Clear();
            _byExternalId.Clear();
            _companies.Clear();
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

    /// <summary>
    /// <c>POST /users</c>: creates a user, or merges into the one with the given external id or email (setting the fields
    /// it lacks and those sent). 201 when created, 200 when merged; 409 for the two documented conflicts.
    /// </summary>
    internal Reply CreateOrMergeUser(JsonElement data)
    {
        if (ReadUserFields(data, out var fields) is { } invalid)
        {
            return invalid;
        }

        if (fields.Email is null && fields.ExternalId is null)
        {
            return Reply.Invalid("validation.request.body", "A user needs an email or an external ID.", "/data");
        }

        lock (_gate)
        {
            if (CheckCompany(fields) is { } missing)
            {
                return missing;
            }

            var byExternalId = fields.ExternalId is not null && _byExternalId.TryGetValue(fields.ExternalId, out var e) ? _users[_userIndex[e]] : null;
            var byEmail = fields.Email is not null && _byEmail.TryGetValue(fields.Email, out var m) ? _users[_userIndex[m]] : null;
            ProductboardSandboxUser target;
            if (byExternalId is not null)
            {
                if (fields.Email is not null && byExternalId.Email is not null && !string.Equals(byExternalId.Email, fields.Email, StringComparison.OrdinalIgnoreCase))
                {
                    return Conflict(EmailMismatchDetail);
                }

                if (byEmail is not null && byEmail.Id != byExternalId.Id)
                {
                    // The external id's user has no email yet, and the email already belongs to someone else.
                    return Conflict(ExternalIdMismatchDetail);
                }

                target = byExternalId;
            }
            else if (byEmail is not null)
            {
                if (fields.ExternalId is not null && byEmail.ExternalId is not null)
                {
                    return Conflict(ExternalIdMismatchDetail);
                }

                target = byEmail;
            }
            else
            {
                var created = Apply(new ProductboardSandboxUser(NewId(), null, null, null, null), fields);
                Insert(created);
                Interlocked.Increment(ref _usersCreated);
                return Reply.Created(UserJson(created));
            }

            var merged = Apply(target, fields);
            Replace(target, merged);
            return Reply.Ok(UserJson(merged));
        }
    }

    /// <summary><c>PATCH /users/{id}</c>: sets the fields sent (<c>company: null</c> unlinks); 409 when an email or external id is taken.</summary>
    internal Reply UpdateUser(string id, JsonElement data)
    {
        if (ReadUserFields(data, out var fields) is { } invalid)
        {
            return invalid;
        }

        lock (_gate)
        {
            if (!_userIndex.TryGetValue(id, out var index))
            {
                return Reply.NotFound("user");
            }

            if (CheckCompany(fields) is { } missing)
            {
                return missing;
            }

            var user = _users[index];
            if (fields.Email is not null && _byEmail.TryGetValue(fields.Email, out var owner) && owner != id)
            {
                return Conflict("A user with the provided email address already exists.");
            }

            if (fields.ExternalId is not null && _byExternalId.TryGetValue(fields.ExternalId, out owner) && owner != id)
            {
                return Conflict("A user with the provided external ID already exists.");
            }

            var updated = Apply(user, fields);
            Replace(user, updated);
            return Reply.Ok(UserJson(updated));
        }
    }

    internal Reply GetUser(string id)
    {
        lock (_gate)
        {
            return _userIndex.TryGetValue(id, out var index) ? Reply.Ok(UserJson(_users[index])) : Reply.NotFound("user");
        }
    }

    internal Reply DeleteUser(string id)
    {
        lock (_gate)
        {
            if (!_userIndex.TryGetValue(id, out var index))
            {
                return Reply.NotFound("user");
            }

            Remove(_users[index]);
            Interlocked.Increment(ref _usersDeleted);
            return Reply.NoContent();
        }
    }

    internal (IReadOnlyList<object> Items, bool More) ListUsers(int offset, int limit)
    {
        lock (_gate)
        {
            var page = _users.Skip(offset).Take(limit).Select(u => (object)UserJson(u)).ToList();
            return (page, offset + limit < _users.Count);
        }
    }

    /// <summary><c>POST /companies</c>: a name is required; the external id is unique (unverified).</summary>
    internal Reply CreateCompany(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        var name = OptionalString(data, "name", out var bad);
        if (bad || string.IsNullOrWhiteSpace(name))
        {
            return Reply.Invalid("validation.request.body.name", "A company needs a name.", "/data/name");
        }

        var externalId = OptionalString(data, "externalId", out bad);
        if (bad || externalId is { Length: > MaxFieldLength })
        {
            return Reply.Invalid("validation.request.body.externalId", "The external ID must be a string of at most 256 characters.", "/data/externalId");
        }

        lock (_gate)
        {
            if (externalId is not null && _companies.Any(c => c.ExternalId == externalId))
            {
                return Conflict("A company with the provided external ID already exists.");
            }

            var company = new ProductboardSandboxCompany(NewId(), name, externalId, OptionalString(data, "domain", out _), OptionalString(data, "description", out _));
            _companies.Add(company);
            Interlocked.Increment(ref _companiesCreated);
            return Reply.Created(CompanyJson(company));
        }
    }

    internal Reply UpdateCompany(string id, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        var name = OptionalString(data, "name", out var bad);
        if (bad || (name is not null && name.Trim().Length == 0))
        {
            return Reply.Invalid("validation.request.body.name", "The name must be a non-empty string.", "/data/name");
        }

        lock (_gate)
        {
            var index = _companies.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                return Reply.NotFound("company");
            }

            var company = _companies[index];
            _companies[index] = company = company with { Name = name ?? company.Name };
            return Reply.Ok(CompanyJson(company));
        }
    }

    internal Reply GetCompany(string id)
    {
        lock (_gate)
        {
            return _companies.Find(c => c.Id == id) is { } company ? Reply.Ok(CompanyJson(company)) : Reply.NotFound("company");
        }
    }

    /// <summary><c>DELETE /companies/{id}</c>: its users lose the link.</summary>
    internal Reply DeleteCompany(string id)
    {
        lock (_gate)
        {
            var index = _companies.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                return Reply.NotFound("company");
            }

            _companies.RemoveAt(index);
            foreach (var user in _users.Where(u => u.CompanyId == id).ToList())
            {
                Replace(user, user with { CompanyId = null });
            }

            return Reply.NoContent();
        }
    }

    /// <summary><c>GET /companies?term=</c>: the term matches the name, case-insensitively (unverified).</summary>
    internal (IReadOnlyList<object> Items, bool More) ListCompanies(string? term, int offset, int limit)
    {
        lock (_gate)
        {
            var matching = _companies.Where(c => string.IsNullOrEmpty(term) || c.Name.Contains(term, StringComparison.OrdinalIgnoreCase)).ToList();
            return (matching.Skip(offset).Take(limit).Select(c => (object)CompanyJson(c)).ToList(), offset + limit < matching.Count);
        }
    }

    /// <summary>State for the inspection route.</summary>
    internal object Inspect()
    {
        lock (_gate)
        {
            return new
            {
                requests = Requests,
                unauthorized = Unauthorized,
                badVersion = BadVersion,
                limitViolations = LimitViolations,
                conflicts = Conflicts,
                faultsInjected = Faults.Injected,
                usersCreated = UsersCreated,
                usersDeleted = UsersDeleted,
                companiesCreated = CompaniesCreated,
                users = _users.Count,
                rateLimit = new { perSecond = RateLimit.PermitsPerSecond, burst = RateLimit.Burst },
                cohorts = _companies.Select(c => new
                {
                    companyId = c.Id,
                    name = c.Name,
                    externalId = c.ExternalId,
                    members = _users.Where(u => u.CompanyId == c.Id).Select(MemberKey).Order(StringComparer.Ordinal).ToArray(),
                }).ToArray(),
            };
        }
    }

    private static string MemberKey(ProductboardSandboxUser user) => user.ExternalId ?? "id:" + user.Id;

    private static object UserJson(ProductboardSandboxUser user) => new
    {
        id = user.Id,
        email = user.Email,
        externalId = user.ExternalId,
        name = user.Name,
        company = user.CompanyId is null ? null : new { id = user.CompanyId },
    };

    private static object CompanyJson(ProductboardSandboxCompany company) => new
    {
        id = company.Id,
        name = company.Name,
        externalId = company.ExternalId,
        domain = company.Domain,
        description = company.Description,
    };

    private static ProductboardSandboxUser Apply(ProductboardSandboxUser user, UserFields fields) => user with
    {
        Email = fields.Email ?? user.Email,
        ExternalId = fields.ExternalId ?? user.ExternalId,
        Name = fields.Name ?? user.Name,
        CompanyId = fields.CompanySet ? fields.CompanyId : user.CompanyId,
    };

    private static Reply? ReadUserFields(JsonElement data, out UserFields fields)
    {
        fields = default;
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        var email = OptionalString(data, "email", out var bad);
        if (bad || (email is not null && (email.Length > MaxFieldLength || !EmailShape().IsMatch(email))))
        {
            return Reply.Invalid("validation.request.body.email", "The email must be a valid address of at most 256 characters.", "/data/email");
        }

        var externalId = OptionalString(data, "externalId", out bad);
        if (bad || (externalId is not null && (externalId.Length == 0 || externalId.Length > MaxFieldLength)))
        {
            return Reply.Invalid("validation.request.body.externalId", "The external ID must be a non-empty string of at most 256 characters.", "/data/externalId");
        }

        var name = OptionalString(data, "name", out bad);
        if (bad)
        {
            return Reply.Invalid("validation.request.body.name", "The name must be a string.", "/data/name");
        }

        string? companyId = null;
        var companySet = data.TryGetProperty("company", out var company);
        if (companySet && company.ValueKind != JsonValueKind.Null)
        {
            companyId = company.ValueKind == JsonValueKind.Object && company.TryGetProperty("id", out var cid) && cid.ValueKind == JsonValueKind.String ? cid.GetString() : null;
            if (string.IsNullOrEmpty(companyId))
            {
                return Reply.Invalid("validation.request.body.company", "The company must be null or an object with an id.", "/data/company");
            }
        }

        fields = new UserFields(email, externalId, name, companySet, companyId);
        return null;
    }

    private static string? OptionalString(JsonElement data, string name, out bool bad)
    {
        bad = false;
        if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            bad = true;
            return null;
        }

        return value.GetString();
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")]
    private static partial Regex EmailShape();

    private Reply? CheckCompany(UserFields fields) =>
        fields.CompanyId is not null && !_companies.Exists(c => c.Id == fields.CompanyId) ? Reply.NotFound("company") : null;

    private Reply Conflict(string detail)
    {
        Interlocked.Increment(ref _conflicts);
        return Reply.Conflict(detail);
    }

    private string NewId()
    {
        // Productboard ids are UUIDs; a counter in that shape keeps runs repeatable.
        var n = Interlocked.Increment(ref _nextId);
        return string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{n:x12}");
    }

    private void Insert(ProductboardSandboxUser user)
    {
        _userIndex[user.Id] = _users.Count;
        _users.Add(user);
        Index(user);
    }

    private void Replace(ProductboardSandboxUser old, ProductboardSandboxUser updated)
    {
        Unindex(old);
        _users[_userIndex[old.Id]] = updated;
        Index(updated);
    }

    private void Remove(ProductboardSandboxUser user)
    {
        Unindex(user);
        var index = _userIndex[user.Id];
        _users.RemoveAt(index);
        _userIndex.Remove(user.Id);
        for (var i = index; i < _users.Count; i++)
        {
            _userIndex[_users[i].Id] = i;
        }
    }

    private void Index(ProductboardSandboxUser user)
    {
        if (user.Email is not null)
        {
            _byEmail[user.Email] = user.Id;
        }

        if (user.ExternalId is not null)
        {
            _byExternalId[user.ExternalId] = user.Id;
        }
    }

    private void Unindex(ProductboardSandboxUser user)
    {
        if (user.Email is not null)
        {
            _byEmail.Remove(user.Email);
        }

        if (user.ExternalId is not null)
        {
            _byExternalId.Remove(user.ExternalId);
        }
    }

    private readonly record struct UserFields(string? Email, string? ExternalId, string? Name, bool CompanySet, string? CompanyId);
}

/// <summary>A response the sandbox's store decided: a status and a JSON body (null for none).</summary>
internal sealed record Reply(int Status, object? Body)
{
    public static Reply Ok(object data) => new(StatusCodes.Status200OK, new { data });

    public static Reply Created(object data) => new(StatusCodes.Status201Created, new { data });

    public static Reply NoContent() => new(StatusCodes.Status204NoContent, null);

    public static Reply NotFound(string what) => Error(StatusCodes.Status404NotFound, "resource.notFound", "Not found", $"The {what} does not exist.", null, null);

    public static Reply Conflict(string detail) => Error(StatusCodes.Status409Conflict, "conflict", "Conflict", detail, null, null);

    public static Reply Invalid(string code, string detail, string pointer) => Error(StatusCodes.Status400BadRequest, code, "Invalid request body", detail, pointer, null);

    /// <summary>The v1 error body: <c>{"errors":[{"code","title","detail","source":{"pointer"|"parameter"}}]}</c>.</summary>
    public static Reply Error(int status, string code, string title, string detail, string? pointer, string? parameter) => new(status, new
    {
        errors = new[]
        {
            new { code, title, detail, source = pointer is null && parameter is null ? null : new { pointer, parameter } },
        },
    });
}
