using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Reads Productboard responses and turns refusals into reasons. Reasons are built here from fixed text and sanitised
/// codes, never from the vendor's detail, which can quote the email it refused.
/// </summary>
public static partial class ProductboardResponses
{
    /// <summary>The reason for a 409 where the external id's user has another email.</summary>
    public const string EmailConflictReason = "productboard: 409 conflict: the user with this external id has a different email";

    /// <summary>The reason for a 409 where the email's user has another external id.</summary>
    public const string ExternalIdConflictReason = "productboard: 409 conflict: the user with this email has a different external id";

    /// <summary>The reason for a 409 where the email sent is another user's.</summary>
    public const string EmailTakenReason = "productboard: 409 conflict: the email belongs to another Productboard user";

    /// <summary>The reason for a 409 where the external id sent is another user's.</summary>
    public const string ExternalIdTakenReason = "productboard: 409 conflict: the external id belongs to another Productboard user";

    /// <summary>The reason for any other 409.</summary>
    public const string OtherConflictReason = "productboard: 409 conflict between email and external id";

    /// <summary>Reads <c>{"data":{user}}</c>: only the fields the public schema has.</summary>
    public static ProductboardUser? ReadUser(string json)
    {
        var data = Data(json);
        return data is { ValueKind: JsonValueKind.Object } user ? User(user) : null;
    }

    /// <summary>Reads a page <c>{"data":[users],"links":{"next":url|null}}</c>.</summary>
    public static ProductboardPage<ProductboardUser> ReadUserPage(string json) => ReadPage(json, User);

    /// <summary>Reads <c>{"data":{company}}</c>.</summary>
    public static ProductboardCompany? ReadCompany(string json)
    {
        var data = Data(json);
        return data is { ValueKind: JsonValueKind.Object } company ? Company(company) : null;
    }

    /// <summary>Reads a page <c>{"data":[companies],"links":{"next":url|null}}</c>.</summary>
    public static ProductboardPage<ProductboardCompany> ReadCompanyPage(string json) => ReadPage(json, Company);

    /// <summary>
    /// Reads an error body: the v1 list form <c>{"errors":[{code,title,detail,source:{pointer,parameter}}]}</c>, or the
    /// Notes form <c>{"ok":false,"errors":{...}}</c> whose entries are objects or strings.
    /// </summary>
    public static IReadOnlyList<ProductboardError> ReadErrors(string json)
    {
        using var document = Parse(json);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("errors", out var errors))
        {
            return [];
        }

        var result = new List<ProductboardError>();
        Collect(errors, result);
        return result;
    }

    /// <summary>
    /// The rejection reason for a 409: the two conflicts the v1 Notes API documents, or a duplicate email or external id
    /// (the create-only <c>POST /users</c> and <c>PATCH /users/{id}</c>; wording unverified).
    /// </summary>
    public static string ConflictReason(IReadOnlyList<ProductboardError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var error in errors)
        {
            var text = (error.Detail ?? string.Empty) + " " + (error.Code ?? string.Empty);
            if (text.Contains("email address does not match", StringComparison.OrdinalIgnoreCase)
                || text.Contains("email.mismatch", StringComparison.OrdinalIgnoreCase))
            {
                return EmailConflictReason;
            }

            if (text.Contains("external ID does not match", StringComparison.OrdinalIgnoreCase)
                || text.Contains("externalId.mismatch", StringComparison.OrdinalIgnoreCase))
            {
                return ExternalIdConflictReason;
            }

            if (text.Contains("already exists", StringComparison.OrdinalIgnoreCase))
            {
                return text.Contains("email", StringComparison.OrdinalIgnoreCase) ? EmailTakenReason
                    : text.Contains("external", StringComparison.OrdinalIgnoreCase) ? ExternalIdTakenReason
                    : OtherConflictReason;
            }
        }

        return OtherConflictReason;
    }

    /// <summary>
    /// The rejection reason when a 400 or 422 refuses the member's own fields (an error pointing into <c>/data</c>);
    /// null when the refusal is about the request itself (a header, the route), which is not the member's fault.
    /// </summary>
    public static string? FieldRefusalReason(HttpStatusCode status, IReadOnlyList<ProductboardError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var error = errors.FirstOrDefault(e => e.Source?.StartsWith("/data", StringComparison.Ordinal) == true);
        if (error is null)
        {
            return null;
        }

        var field = Sanitize(error.Source!["/data".Length..].TrimStart('/'));
        var code = Sanitize(error.Code);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"productboard: {(field.Length == 0 ? "user" : field)} refused (HTTP {(int)status}{(code.Length == 0 ? string.Empty : " " + code)})");
    }

    /// <summary>The first error code, sanitised for a message.</summary>
    public static string? FirstCode(IReadOnlyList<ProductboardError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var code = Sanitize(errors.FirstOrDefault(e => e.Code is not null)?.Code);
        return code.Length == 0 ? null : code;
    }

    // Codes and field names are vendor-defined words (validation.request.body, email): anything else is dropped rather than
    // cleaned, so no member value can ride along into a report or a log.
    private static string Sanitize(string? text) =>
        text is { Length: > 0 and <= 64 } && CodeShape().IsMatch(text) ? text : string.Empty;

    [GeneratedRegex("^[A-Za-z]+([._/-][A-Za-z]+)*$")]
    private static partial Regex CodeShape();

    private static void Collect(JsonElement element, List<ProductboardError> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, into);
                }

                break;
            case JsonValueKind.String:
                into.Add(new ProductboardError(null, element.GetString(), null, null));
                break;
            case JsonValueKind.Object when element.TryGetProperty("code", out _) || element.TryGetProperty("detail", out _):
                var source = element.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
                into.Add(new ProductboardError(
                    String(element, "code"),
                    String(element, "detail") ?? String(element, "title"),
                    source.ValueKind == JsonValueKind.Object ? String(source, "pointer") : null,
                    source.ValueKind == JsonValueKind.Object ? String(source, "parameter") : null));
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, into);
                }

                break;
            default:
                break;
        }
    }

    private static ProductboardPage<T> ReadPage<T>(string json, Func<JsonElement, T?> read)
        where T : class
    {
        using var document = Parse(json);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return new ProductboardPage<T>([], null);
        }

        var root = document.RootElement;
        var items = new List<T>();
        if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && read(item) is { } value)
                {
                    items.Add(value);
                }
            }
        }

        Uri? next = null;
        if (root.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Object
            && String(links, "next") is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            next = uri;
        }

        return new ProductboardPage<T>(items, next);
    }

    private static ProductboardUser? User(JsonElement user) =>
        String(user, "id") is { } id ? new ProductboardUser(id, String(user, "email"), String(user, "externalId")) : null;

    private static ProductboardCompany? Company(JsonElement company) =>
        String(company, "id") is { } id ? new ProductboardCompany(id, String(company, "name"), String(company, "externalId")) : null;

    private static JsonElement? Data(string json)
    {
        using var document = Parse(json);
        return document is not null && document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("data", out var data)
            ? data.Clone()
            : null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument? Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
