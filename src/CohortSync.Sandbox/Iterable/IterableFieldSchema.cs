using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CohortSync.Sandbox.Iterable;

/// <summary>
/// A project's user profile fields and their types, as Iterable keeps them: the API fixes a new field's type from the first
/// value it stores, and "when Iterable receives data that doesn't match the field's data type, it rejects the data"
/// (https://support.iterable.com/hc/en-us/articles/208183076-Field-Data-Types); a subscribe reports that subscriber in
/// <c>failedUpdates.invalidData*</c>. Types: <c>string</c>; <c>date</c> (a string in one of Iterable's date formats:
/// <c>yyyy-MM-dd HH:mm:ss ZZ</c> such as <c>2016-08-02 18:53:45 +00:00</c>, <c>yyyy-MM-dd HH:mm:ss</c>, <c>yyyy-MM-dd</c>, or
/// ISO-8601 with <c>T</c> and an offset); <c>long</c>; <c>double</c>; <c>boolean</c>; <c>object</c>. The sandbox's choices
/// where Iterable's docs are silent: a long fits a double field (not the reverse); a date-shaped string fits a string field,
/// a plain string does not fit a date field; null fits any field. Written apart from the connector's conversion on
/// purpose. Called under the project's lock.
/// </summary>
internal sealed partial class IterableFieldSchema
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    /// <summary>The type a field was fixed with, or null.</summary>
    public string? TypeOf(string field) => _types.GetValueOrDefault(field);

    /// <summary>True when the value fits the field's type (or the field is new).</summary>
    public bool Fits(string field, JsonElement value)
    {
        var incoming = TypeOf(value);
        if (incoming is null || !_types.TryGetValue(field, out var stored))
        {
            return true;
        }

        return incoming == stored || (stored, incoming) is ("double", "long") or ("string", "date");
    }

    /// <summary>Fixes a new field's type from its first value.</summary>
    public void Fix(string field, JsonElement value)
    {
        if (TypeOf(value) is { } type)
        {
            _types.TryAdd(field, type);
        }
    }

    /// <summary>Creates a field with a type; throws if it exists with another (a type cannot be changed).</summary>
    public void Define(string field, string type)
    {
        if (type is not ("string" or "long" or "double" or "boolean" or "date" or "object"))
        {
            throw new ArgumentException("not an Iterable field type", nameof(type));
        }

        if (!_types.TryAdd(field, type) && _types[field] != type)
        {
            throw new InvalidOperationException("a field's data type cannot be changed once set");
        }
    }

    /// <summary>Iterable's type for a JSON value; null for null.</summary>
    public static string? TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => IsDate(value.GetString()!) ? "date" : "string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "long" : "double",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => "object",
    };

    private static bool IsDate(string text)
    {
        if (SpacedDate().Match(text) is { Success: true } spaced)
        {
            var format = spaced.Groups["time"].Success ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd";
            return DateTime.TryParseExact(spaced.Groups["date"].Value + (spaced.Groups["time"].Success ? " " + spaced.Groups["time"].Value : string.Empty), format, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
        }

        return IsoDateTime().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
    }

    [GeneratedRegex(@"\A(?<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?: (?<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?: [+-][0-9]{2}:[0-9]{2})?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex SpacedDate();

    [GeneratedRegex(@"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,3})?(?:Z|[+-][0-9]{2}:?[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();
}
