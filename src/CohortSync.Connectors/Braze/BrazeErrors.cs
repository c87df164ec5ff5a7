using System.Text.Json;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// The messages Braze documents for the cohort endpoints (BZ-CI @252c390), and how a response's message is made safe to
/// carry in an exception: one of them ("Partner not enabled for client with client secret: &lt;client secret&gt;") quotes
/// the customer's Data Import Key, and an unknown message might quote an identifier.
/// </summary>
public static class BrazeErrors
{
    /// <summary>401: the partner key is not valid (for this cluster).</summary>
    public const string InvalidPartnerKey = "Invalid Partner API key";

    /// <summary>401: the Data Import Key is not known (on this cluster).</summary>
    public const string InvalidClientSecret = "Invalid client secret";

    /// <summary>401: the workspace has not enabled the partner; Braze appends the client secret.</summary>
    public const string PartnerNotEnabledPrefix = "Partner not enabled for client with client secret:";

    /// <summary>401: any other refusal.</summary>
    public const string UnauthorizedAccess = "Unauthorized access";

    /// <summary>423.</summary>
    public const string ResourceLocked = "Resource locked";

    /// <summary>400: a missing or non-string <c>cohort_id</c>.</summary>
    public const string InvalidCohortId = "cohort_id must be a valid string";

    /// <summary>400: a malformed <c>cohort_changes</c>.</summary>
    public const string InvalidCohortChanges =
        "cohort_changes must be an array of objects each with key user_ids and/or device_ids mapping to an array of strings, or an aliases object";

    /// <summary>400: more than 1,000 identifiers in one request.</summary>
    public const string TooManyIdentifiers = "Only 1,000 user_ids, device_ids, and aliases are allowed per request";

    /// <summary>400: an empty or missing <c>name</c>.</summary>
    public const string InvalidName = "name must be a non-empty string";

    /// <summary>400: a <c>created_at</c> that is not ISO-8601.</summary>
    public const string InvalidCreatedAt = "created_at must be a valid time as an ISO-8601 string";

    private const int MaxShownLength = 200;

    // The documentation sets field names in code style; the literal response text may or may not carry the backticks
    // (UNVERIFIED), so messages are compared without them.
    private static readonly HashSet<string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        InvalidPartnerKey, InvalidClientSecret, UnauthorizedAccess, ResourceLocked,
        InvalidCohortId, InvalidCohortChanges, TooManyIdentifiers, InvalidName, InvalidCreatedAt,
    };

    /// <summary>The message of a response body: <c>message</c> of a JSON object, or the text itself; null when empty.</summary>
    public static string? MessageOf(string? body)
    {
        var text = body?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                    ? message.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    /// <summary>True when a message is the documented one, with or without the documentation's backticks.</summary>
    public static bool Is(string? message, string documented) =>
        message is not null && string.Equals(message.Replace("`", string.Empty, StringComparison.Ordinal).Trim(), documented, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A message fit for an exception, a report and a log: a documented message as is; the "partner not enabled" one without
    /// its client secret; any other only when it quotes none of <paramref name="sensitive"/> (keys, identifiers sent), and
    /// cut to 200 characters.
    /// </summary>
    public static string? Describe(string? message, IEnumerable<string?> sensitive)
    {
        ArgumentNullException.ThrowIfNull(sensitive);
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        var plain = message.Replace("`", string.Empty, StringComparison.Ordinal).Trim();
        if (plain.StartsWith(PartnerNotEnabledPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return PartnerNotEnabledPrefix + " (redacted)";
        }

        if (Known.Contains(plain))
        {
            return plain;
        }

        foreach (var value in sensitive)
        {
            if (!string.IsNullOrEmpty(value) && message.Contains(value, StringComparison.Ordinal))
            {
                return "(message withheld: it quoted a key or an identifier)";
            }
        }

        return plain.Length > MaxShownLength ? plain[..MaxShownLength] + "…" : plain;
    }
}
