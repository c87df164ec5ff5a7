using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// The destination's <c>fieldTypes</c> setting (<c>plan:string,seats:number,trial_end:date,beta:boolean</c>) and the
/// conversion of carried values, which arrive as text, into the JSON types Iterable stores. Iterable fixes a field's type
/// from the first value it receives and refuses values of another type afterwards, so a number sent as a string makes the
/// field a string for good. An undeclared field is inferred: an integer that fits a 64-bit long or a plain decimal (no
/// leading zeros, so a zip code such as <c>02139</c> stays a string) becomes a number, <c>true</c>/<c>false</c> a boolean,
/// an ISO-8601 date or date-time a date, anything else a string. Declare a field when inference would guess wrong for some
/// members (an id that is usually numeric).
/// </summary>
public sealed partial class IterableFieldTypes
{
    /// <summary>The setting's name.</summary>
    public const string Setting = "fieldTypes";

    /// <summary>The date format Iterable documents for its date fields (for example <c>2016-08-02 18:53:45 +00:00</c>).</summary>
    public const string DateFormat = "yyyy-MM-dd HH:mm:ss '+00:00'";

    private readonly Dictionary<string, IterableFieldType> _declared;

    private IterableFieldTypes(Dictionary<string, IterableFieldType> declared) => _declared = declared;

    /// <summary>No field declared: every field inferred.</summary>
    public static IterableFieldTypes None { get; } = new(new Dictionary<string, IterableFieldType>(StringComparer.Ordinal));

    /// <summary>Parses the setting; throws <see cref="ValidationException"/> naming the setting and the bad entry.</summary>
    public static IterableFieldTypes Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return None;
        }

        var declared = new Dictionary<string, IterableFieldType>(StringComparer.Ordinal);
        foreach (var entry in setting.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.LastIndexOf(':');
            var name = colon > 0 ? entry[..colon].Trim() : string.Empty;
            var type = colon > 0 ? entry[(colon + 1)..].Trim().ToLowerInvariant() switch
            {
                "string" => IterableFieldType.Text,
                "number" => IterableFieldType.Number,
                "boolean" => IterableFieldType.Boolean,
                "date" => IterableFieldType.Date,
                _ => IterableFieldType.Inferred,
            }
            : IterableFieldType.Inferred;
            if (name.Length == 0 || type == IterableFieldType.Inferred || !declared.TryAdd(name, type))
            {
                throw new ValidationException(
                    $"iterable setting '{Setting}': '{entry}' is not 'field:type' with a type of string, number, boolean or date (each field once)");
            }
        }

        return new IterableFieldTypes(declared);
    }

    /// <summary>The declared type of a field, or <see cref="IterableFieldType.Inferred"/>.</summary>
    public IterableFieldType Of(string field) => _declared.GetValueOrDefault(field, IterableFieldType.Inferred);

    /// <summary>
    /// Converts one carried value. Returns false, with a reason naming the field and its declared type (never the value),
    /// when a declared number, boolean or date does not parse as one. An empty value of a declared non-string field is
    /// left out (null), since an empty string would not fit the field's type.
    /// </summary>
    public bool TryConvert(string field, string value, out JsonNode? node, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(value);
        reason = null;
        var type = Of(field);
        if (type is IterableFieldType.Text)
        {
            node = JsonValue.Create(value);
            return true;
        }

        if (type is not IterableFieldType.Inferred && value.Length == 0)
        {
            node = null;
            return true;
        }

        node = type switch
        {
            IterableFieldType.Number => Number(value, strict: false),
            IterableFieldType.Boolean => Boolean(value),
            IterableFieldType.Date => Date(value),
            _ => Number(value, strict: true) ?? Boolean(value) ?? Date(value) ?? JsonValue.Create(value),
        };
        if (node is null)
        {
            reason = $"carried field '{field}' is not a {type.ToString().ToLowerInvariant()}";
            return false;
        }

        return true;
    }

    // A JSON number: a long when integral and in range, else a decimal. Inference takes plain numbers only (no leading
    // zeros, signs other than '-', exponents or grouping), so identifiers that merely look numeric stay strings.
    private static JsonValue? Number(string value, bool strict)
    {
        if (strict && !PlainNumber().IsMatch(value))
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        return !(strict && !value.Contains('.', StringComparison.Ordinal))
            && decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | (strict ? NumberStyles.None : NumberStyles.AllowExponent), CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : null;
    }

    private static JsonValue? Boolean(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(true)
        : value.Equals("false", StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(false)
        : null;

    // ISO-8601 (a date, or a date-time with 'T' or a space, optional fraction and offset; no offset means UTC), written in
    // Iterable's date format in UTC. A date alone is midnight UTC.
    private static JsonValue? Date(string value)
    {
        if (!IsoDate().IsMatch(value)
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            return null;
        }

        return JsonValue.Create(date.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"\A-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PlainNumber();

    [GeneratedRegex(@"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?: ?(?:Z|[+-][0-9]{2}:?[0-9]{2}))?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();
}
