using System.Text.Json;

namespace CohortSync.Sandbox.Braze;

/// <summary>What one custom attribute write does.</summary>
internal enum BrazeWriteOp
{
    /// <summary>Sets the value (a string, number, boolean, null, array of strings, or a nested object kept as text).</summary>
    Set,

    /// <summary><c>{"add": [...]}</c> on an array attribute.</summary>
    Add,

    /// <summary><c>{"remove": [...]}</c> on an array attribute.</summary>
    Remove,
}

/// <summary>One custom attribute write of an attributes object.</summary>
internal sealed record BrazeWrite(string Name, BrazeWriteOp Op, object? Value, string[] Values);

/// <summary>A valid attributes object of <c>/users/track</c>: its one identifier, its update-only flag and its writes.</summary>
internal sealed record BrazeTrackObject(string? ExternalId, BrazeAlias? Alias, string? Email, string? BrazeId, bool? UpdateExistingOnly, IReadOnlyList<BrazeWrite> Writes);

/// <summary>
/// How the sandbox reads a <c>/users/track</c> attributes object, strictly: an identifier (<c>external_id</c>,
/// <c>user_alias</c>, <c>braze_id</c> or <c>email</c>), <c>_update_existing_only</c> a boolean, custom attribute names not
/// starting with <c>$</c>, array operations as <c>{"add": [strings]}</c> / <c>{"remove": [strings]}</c>. A bad object is a
/// non-fatal error (<c>type</c>, <c>input_array</c>, <c>index</c>), never an echo of its identifier.
/// </summary>
internal static class BrazeTrackRules
{
    /// <summary>401: the bearer key is missing or unknown on this cluster.</summary>
    public const string InvalidApiKey = "Unknown or missing REST API key";

    /// <summary>400: more than 75 objects over attributes, events and purchases.</summary>
    public const string TooManyObjects = "Too many objects: at most 75 attributes, events and purchases combined per request";

    /// <summary>400: no object was valid.</summary>
    public const string NoValidData = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.";

    /// <summary>A non-fatal error: no identifier.</summary>
    public const string MissingIdentifier = "'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required";

    /// <summary>The most objects a request may carry.</summary>
    public const int MaxObjects = 75;

    private static readonly HashSet<string> Identifiers = new(["external_id", "user_alias", "braze_id", "email", "phone"], StringComparer.Ordinal);

    /// <summary>Reads one attributes object; returns it, or the error <c>type</c> that refuses it.</summary>
    public static (BrazeTrackObject? Object, string? Error) Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, "attributes object must be an object");
        }

        var externalId = BrazeRules.String(element, "external_id");
        var brazeId = BrazeRules.String(element, "braze_id");
        BrazeAlias? alias = null;
        if (element.TryGetProperty("user_alias", out var aliasElement))
        {
            if (BrazeRules.String(aliasElement, "alias_name") is not { Length: > 0 } name || BrazeRules.String(aliasElement, "alias_label") is not { Length: > 0 } label)
            {
                return (null, "'user_alias' must have 'alias_name' and 'alias_label'");
            }

            alias = new BrazeAlias(name, label);
        }

        var email = externalId is null && alias is null && brazeId is null ? BrazeRules.String(element, "email") : null;
        if (externalId is null && alias is null && brazeId is null && email is null)
        {
            return (null, MissingIdentifier);
        }

        bool? updateOnly = null;
        if (element.TryGetProperty("_update_existing_only", out var flag))
        {
            if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, "'_update_existing_only' must be a boolean");
            }

            updateOnly = flag.GetBoolean();
        }

        var writes = new List<BrazeWrite>();
        foreach (var property in element.EnumerateObject())
        {
            if (Identifiers.Contains(property.Name) || property.Name is "_update_existing_only" or "push_token_import")
            {
                continue;
            }

            if (property.Name.StartsWith('$') || Write(property) is not { } write)
            {
                return (null, $"'{property.Name}' is not valid");
            }

            writes.Add(write);
        }

        return (new BrazeTrackObject(externalId, alias, email, brazeId, updateOnly, writes), null);
    }

    private static BrazeWrite? Write(JsonProperty property)
    {
        var value = property.Value;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return new BrazeWrite(property.Name, BrazeWriteOp.Set, value.GetString(), []);
            case JsonValueKind.True or JsonValueKind.False:
                return new BrazeWrite(property.Name, BrazeWriteOp.Set, value.GetBoolean(), []);
            case JsonValueKind.Number:
                return new BrazeWrite(property.Name, BrazeWriteOp.Set, value.GetDouble(), []);
            case JsonValueKind.Null:
                return new BrazeWrite(property.Name, BrazeWriteOp.Set, null, []);
            case JsonValueKind.Array:
                return StringsOf(value) is { } set ? new BrazeWrite(property.Name, BrazeWriteOp.Set, set, []) : null;
        }

        var keys = value.EnumerateObject().Select(p => p.Name).ToList();
        if (!keys.Any(k => k is "add" or "remove"))
        {
            // A nested custom attribute: Braze takes it; the sandbox keeps its text.
            return new BrazeWrite(property.Name, BrazeWriteOp.Set, value.GetRawText(), []);
        }

        // An array operation: one of "add" or "remove", an array of strings, and nothing else.
        if (keys.Count != 1 || StringsOf(value.GetProperty(keys[0])) is not { } values)
        {
            return null;
        }

        return new BrazeWrite(property.Name, keys[0] == "add" ? BrazeWriteOp.Add : BrazeWriteOp.Remove, null, values);
    }

    private static string[]? StringsOf(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array && array.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. array.EnumerateArray().Select(e => e.GetString()!)]
            : null;
}
