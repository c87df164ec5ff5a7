using System.Text.Json;
using System.Text.RegularExpressions;

namespace CohortSync.Sandbox.Productboard;

/// <summary>The user fields a request body set (<see cref="CompanySet"/>: <c>company</c> was sent, as an object or null).</summary>
internal readonly record struct ProductboardUserFields(string? Email, string? ExternalId, string? Name, bool CompanySet, string? CompanyId);

/// <summary>
/// What the sandbox refuses in a body, and the answers it gives, in the v1 shapes: <c>{"data":{...}}</c> bodies, fields
/// typed as the public clients send them, errors as <c>{"errors":[{code,title,detail,source}]}</c> pointing at the field.
/// </summary>
internal static partial class ProductboardRules
{
    /// <summary>The longest email and external id (v1 OpenAPI <c>maxLength</c> 256).</summary>
    public const int MaxFieldLength = 256;

    /// <summary>
    /// Reads the user fields of a body. The user schema has <c>email</c>, <c>name</c>, <c>externalId</c> and the
    /// <c>company</c> link (<c>{"id"}</c>, or null to unlink); anything else is refused rather than ignored.
    /// </summary>
    public static Reply? ReadUserFields(JsonElement data, out ProductboardUserFields fields)
    {
        fields = default;
        if (data.ValueKind != JsonValueKind.Object)
        {
            return Reply.Invalid("validation.request.body", "The request body must contain a data object.", "/data");
        }

        foreach (var property in data.EnumerateObject())
        {
            if (property.Name is not ("email" or "externalId" or "name" or "company"))
            {
                return Reply.Invalid("validation.request.body", "The user has no such field.", "/data/" + property.Name);
            }
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

        fields = new ProductboardUserFields(email, externalId, name, companySet, companyId);
        return null;
    }

    /// <summary>A string field, null when absent or null; <paramref name="bad"/> when it is another type.</summary>
    public static string? OptionalString(JsonElement data, string name, out bool bad)
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

    /// <summary>The user as the public schema shows it: <c>id</c>, <c>email</c>, <c>externalId</c>, <c>name</c>; no company.</summary>
    public static object UserJson(ProductboardSandboxUser user) => new
    {
        id = user.Id,
        email = user.Email,
        externalId = user.ExternalId,
        name = user.Name,
    };

    /// <summary>A company as the public schema shows it.</summary>
    public static object CompanyJson(ProductboardSandboxCompany company) => new
    {
        id = company.Id,
        name = company.Name,
        externalId = company.ExternalId,
        domain = company.Domain,
        description = company.Description,
    };

    [GeneratedRegex(@"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")]
    private static partial Regex EmailShape();
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
