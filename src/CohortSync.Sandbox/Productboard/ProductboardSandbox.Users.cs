using System.Text.Json;

namespace CohortSync.Sandbox.Productboard;

/// <summary>The user endpoints: <c>POST /users</c> creates only, <c>PATCH /users/{id}</c> sets what is sent.</summary>
public sealed partial class ProductboardSandbox
{
    /// <summary>
    /// <c>POST /users</c>: creates a user, and only creates (public clients use it so; updates go to <c>PATCH</c>). 201, or
    /// 409 when the external id or the email (case-insensitively) is another user's; an email or an external id is needed.
    /// </summary>
    internal Reply CreateUser(JsonElement data)
    {
        if (ProductboardRules.ReadUserFields(data, out var fields) is { } invalid)
        {
            return invalid;
        }

        if (fields.Email is null && fields.ExternalId is null)
        {
            return Reply.Invalid("validation.request.body", "A user needs an email or an external ID.", "/data");
        }

        lock (_gate)
        {
            if ((CheckTaken(fields, null) ?? CheckCompany(fields)) is { } refused)
            {
                return refused;
            }

            var created = Apply(new ProductboardSandboxUser(_state.NewId(), null, null, null, null), fields);
            _state.Insert(created);
            Interlocked.Increment(ref _usersCreated);
            return Reply.Created(ProductboardRules.UserJson(created));
        }
    }

    /// <summary><c>PATCH /users/{id}</c>: sets only the fields sent (<c>company: null</c> unlinks); 409 when an email or external id is another user's.</summary>
    internal Reply UpdateUser(string id, JsonElement data)
    {
        if (ProductboardRules.ReadUserFields(data, out var fields) is { } invalid)
        {
            return invalid;
        }

        lock (_gate)
        {
            if (_state.User(id) is not { } user)
            {
                return Reply.NotFound("user");
            }

            if ((CheckTaken(fields, id) ?? CheckCompany(fields)) is { } refused)
            {
                return refused;
            }

            var updated = Apply(user, fields);
            _state.Replace(user, updated);
            return Reply.Ok(ProductboardRules.UserJson(updated));
        }
    }

    internal Reply GetUser(string id)
    {
        lock (_gate)
        {
            return _state.User(id) is { } user ? Reply.Ok(ProductboardRules.UserJson(user)) : Reply.NotFound("user");
        }
    }

    internal Reply DeleteUser(string id)
    {
        lock (_gate)
        {
            if (_state.User(id) is not { } user)
            {
                return Reply.NotFound("user");
            }

            _state.Remove(user);
            Interlocked.Increment(ref _usersDeleted);
            return Reply.NoContent();
        }
    }

    internal (IReadOnlyList<object> Items, bool More) ListUsers(int offset, int limit)
    {
        lock (_gate)
        {
            var page = _state.Users.Skip(offset).Take(limit).Select(ProductboardRules.UserJson).ToList();
            return (page, offset + limit < _state.Users.Count);
        }
    }

    private static ProductboardSandboxUser Apply(ProductboardSandboxUser user, ProductboardUserFields fields) => user with
    {
        Email = fields.Email ?? user.Email,
        ExternalId = fields.ExternalId ?? user.ExternalId,
        Name = fields.Name ?? user.Name,
        CompanyId = fields.CompanySet ? fields.CompanyId : user.CompanyId,
    };

    // 409 when the body's external id or email belongs to a user other than the one written (none, for a create).
    private Reply? CheckTaken(ProductboardUserFields fields, string? self)
    {
        if (_state.ByExternalId(fields.ExternalId) is { } owner && owner.Id != self)
        {
            return Conflict(ExternalIdTakenDetail);
        }

        return _state.ByEmail(fields.Email) is { } holder && holder.Id != self ? Conflict(EmailTakenDetail) : null;
    }

    private Reply? CheckCompany(ProductboardUserFields fields) =>
        fields.CompanyId is not null && !_state.CompanyExists(fields.CompanyId) ? Reply.NotFound("company") : null;

    private Reply Conflict(string detail)
    {
        Interlocked.Increment(ref _conflicts);
        return Reply.Conflict(detail);
    }
}
