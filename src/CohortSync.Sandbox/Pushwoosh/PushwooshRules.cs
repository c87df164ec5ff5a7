using System.Text.Json;
using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

/// <summary>
/// What the Pushwoosh sandbox accepts in a body, as documented: a <c>bulkSetTags</c> device names exactly one of
/// <c>hwid</c>, <c>user_id</c> and <c>push_token</c>, a list tag needs a <c>list_operator</c> (<c>set</c>, <c>append</c>,
/// <c>remove</c>) and an array of strings, a missing tag is an error unless <c>create_missing_tags</c> is true; a
/// <c>setTags</c> request needs <c>hwid</c> (the Device API names a device; <c>userId</c> alone is refused).
/// </summary>
internal static class PushwooshRules
{
    private static readonly string[] Identifiers = ["hwid", "user_id", "push_token"];
    private static readonly string[] ListOperators = ["set", "append", "remove"];

    /// <summary>Reads one <c>bulkSetTags</c> device; returns it, or why it is refused.</summary>
    public static (DeviceOperation? Operation, string? Error) ReadBulkDevice(JsonNode? node, bool createMissing, PushwooshStore store)
    {
        if (node is not JsonObject device)
        {
            return (null, "must be an object");
        }

        var present = Identifiers.Where(id => !string.IsNullOrEmpty(String(device[id]))).ToList();
        if (present.Count != 1)
        {
            return (null, "exactly one of hwid, user_id and push_token is required");
        }

        var listOperator = String(device["list_operator"]);
        if (listOperator is not null && !ListOperators.Contains(listOperator, StringComparer.Ordinal))
        {
            return (null, "list_operator must be set, append or remove");
        }

        if (device["tags"] is not JsonObject tags || tags.Count == 0)
        {
            return (null, "tags must be a non-empty object");
        }

        var operations = new List<TagOperation>(tags.Count);
        foreach (var (name, value) in tags)
        {
            var tag = store.FindTag(name, createMissing, value is JsonArray);
            if (tag is null)
            {
                return (null, "tag does not exist and create_missing_tags is not true");
            }

            if (!tag.IsList)
            {
                operations.Add(new TagOperation(name, "set", [], value?.DeepClone() ?? JsonValue.Create((string?)null)));
                continue;
            }

            if (listOperator is null)
            {
                return (null, "list_operator is required for a list tag");
            }

            if (ReadStrings(value) is not { } values)
            {
                return (null, "a list tag's value must be an array of strings");
            }

            operations.Add(new TagOperation(name, listOperator, values, null));
        }

        return (new DeviceOperation(present[0], String(device[present[0]])!, operations), null);
    }

    /// <summary>Reads <c>setTags</c>'s tags: a list tag takes an array (replaces the list) or <c>{"operation","value":[...]}</c>.</summary>
    public static (List<TagOperation>? Tags, string? Error) ReadSetTags(JsonNode? node, PushwooshStore store)
    {
        if (node is not JsonObject tags || tags.Count == 0)
        {
            return (null, "tags must be a non-empty object");
        }

        var operations = new List<TagOperation>(tags.Count);
        foreach (var (name, value) in tags)
        {
            var tag = store.FindTag(name, createMissing: false, isList: false);
            if (tag is null)
            {
                return (null, "tag not found");
            }

            if (!tag.IsList)
            {
                operations.Add(new TagOperation(name, "set", [], value?.DeepClone() ?? JsonValue.Create((string?)null)));
            }
            else if (ReadStrings(value) is { } replace)
            {
                operations.Add(new TagOperation(name, "set", replace, null));
            }
            else if (value is JsonObject op && String(op["operation"]) is "append" or "remove" && ReadStrings(op["value"]) is { } values)
            {
                operations.Add(new TagOperation(name, String(op["operation"])!, values, null));
            }
            else
            {
                return (null, "a list tag's value must be an array of strings or {\"operation\":\"append\"|\"remove\",\"value\":[...]}");
            }
        }

        return (operations, null);
    }

    /// <summary>A JSON string's value, or null for anything else.</summary>
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    /// <summary>The body as JSON, or null when it is not JSON.</summary>
    public static JsonNode? Parse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<string>? ReadStrings(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }

        var values = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (String(item) is not { } text)
            {
                return null;
            }

            values.Add(text);
        }

        return values;
    }
}
