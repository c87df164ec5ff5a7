using System.Text.Json;

namespace CohortSync.Sandbox.Productboard;

/// <summary>The company endpoints, and the inspection route's view of each cohort (the users linked to its company).</summary>
public sealed partial class ProductboardSandbox
{
    /// <summary><c>POST /companies</c>: a name is required; the external id is unique (unverified).</summary>
    internal Reply CreateCompany(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        var name = ProductboardRules.OptionalString(data, "name", out var bad);
        if (bad || string.IsNullOrWhiteSpace(name))
        {
            return Reply.Invalid("validation.request.body.name", "A company needs a name.", "/data/name");
        }

        var externalId = ProductboardRules.OptionalString(data, "externalId", out bad);
        if (bad || externalId is { Length: > ProductboardRules.MaxFieldLength })
        {
            return Reply.Invalid("validation.request.body.externalId", "The external ID must be a string of at most 256 characters.", "/data/externalId");
        }

        lock (_gate)
        {
            if (externalId is not null && _state.Companies.Any(c => c.ExternalId == externalId))
            {
                return Conflict("A company with the provided external ID already exists.");
            }

            var company = new ProductboardSandboxCompany(
                _state.NewId(), name, externalId, ProductboardRules.OptionalString(data, "domain", out _), ProductboardRules.OptionalString(data, "description", out _));
            _state.Companies.Add(company);
            Interlocked.Increment(ref _companiesCreated);
            return Reply.Created(ProductboardRules.CompanyJson(company));
        }
    }

    internal Reply UpdateCompany(string id, JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        var name = ProductboardRules.OptionalString(data, "name", out var bad);
        if (bad || (name is not null && name.Trim().Length == 0))
        {
            return Reply.Invalid("validation.request.body.name", "The name must be a non-empty string.", "/data/name");
        }

        lock (_gate)
        {
            var index = _state.Companies.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                return Reply.NotFound("company");
            }

            var company = _state.Companies[index];
            _state.Companies[index] = company = company with { Name = name ?? company.Name };
            return Reply.Ok(ProductboardRules.CompanyJson(company));
        }
    }

    internal Reply GetCompany(string id)
    {
        lock (_gate)
        {
            return _state.Companies.Find(c => c.Id == id) is { } company ? Reply.Ok(ProductboardRules.CompanyJson(company)) : Reply.NotFound("company");
        }
    }

    /// <summary><c>DELETE /companies/{id}</c>: its users lose the link.</summary>
    internal Reply DeleteCompany(string id)
    {
        lock (_gate)
        {
            var index = _state.Companies.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                return Reply.NotFound("company");
            }

            _state.Companies.RemoveAt(index);
            foreach (var user in _state.Users.Where(u => u.CompanyId == id).ToList())
            {
                _state.Replace(user, user with { CompanyId = null });
            }

            return Reply.NoContent();
        }
    }

    /// <summary><c>GET /companies?term=</c>: the term matches the name, case-insensitively (unverified).</summary>
    internal (IReadOnlyList<object> Items, bool More) ListCompanies(string? term, int offset, int limit)
    {
        lock (_gate)
        {
            var matching = _state.Companies.Where(c => string.IsNullOrEmpty(term) || c.Name.Contains(term, StringComparison.OrdinalIgnoreCase)).ToList();
            return (matching.Skip(offset).Take(limit).Select(ProductboardRules.CompanyJson).ToList(), offset + limit < matching.Count);
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
                users = _state.Users.Count,
                rateLimit = new { perSecond = RateLimit.PermitsPerSecond, burst = RateLimit.Burst },
                cohorts = _state.Companies.Select(c => new
                {
                    companyId = c.Id,
                    name = c.Name,
                    externalId = c.ExternalId,
                    members = _state.Users.Where(u => u.CompanyId == c.Id).Select(MemberKey).Order(StringComparer.Ordinal).ToArray(),
                }).ToArray(),
            };
        }
    }
}
