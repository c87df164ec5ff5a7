using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CohortSync.Sandbox.Braze;

/// <summary>How the Braze sandbox reads request bodies strictly: the partner import's change objects and shared helpers.</summary>
internal static partial class BrazeRules
{
    private static readonly HashSet<string> ChangeKeys = new(["user_ids", "device_ids", "aliases", "should_remove"], StringComparer.Ordinal);

    internal static (string[] UserIds, string[] DeviceIds, BrazeAlias[] Aliases, bool Remove)? ParseChange(JsonElement change)
    {
        if (change.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var keys = change.EnumerateObject().Select(p => p.Name).ToList();
        if (keys.Any(k => !ChangeKeys.Contains(k)) || !keys.Any(k => k is "user_ids" or "device_ids" or "aliases"))
        {
            return null;
        }

        var userIds = Strings(change, "user_ids");
        var deviceIds = Strings(change, "device_ids");
        var aliases = Aliases(change);
        var remove = false;
        if (change.TryGetProperty("should_remove", out var shouldRemove))
        {
            if (shouldRemove.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return null;
            }

            remove = shouldRemove.GetBoolean();
        }

        return userIds is null || deviceIds is null || aliases is null ? null : (userIds, deviceIds, aliases, remove);
    }

    // An absent array is empty; a present one must hold strings only.
    internal static string[]? Strings(JsonElement change, string name)
    {
        if (!change.TryGetProperty(name, out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return null;
        }

        return array.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    internal static BrazeAlias[]? Aliases(JsonElement change)
    {
        if (!change.TryGetProperty("aliases", out var array))
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var result = new List<BrazeAlias>();
        foreach (var alias in array.EnumerateArray())
        {
            if (alias.ValueKind != JsonValueKind.Object || String(alias, "alias_name") is not { } name || String(alias, "alias_label") is not { } label)
            {
                return null;
            }

            result.Add(new BrazeAlias(name, label));
        }

        return [.. result];
    }

    internal static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static bool IsIso8601(string text) =>
        Iso8601().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    internal static partial Regex Iso8601();
}
