using System.Buffers;
using System.Text.Json;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// Pushwoosh request bodies and response readers. Bodies are written with <see cref="Utf8JsonWriter"/> so their byte size is
/// known exactly (requests must stay under 2 MB); the Server API token goes in the body's <c>auth</c> field, never a header.
/// </summary>
public static partial class PushwooshWire
{
    /// <summary>Pushwoosh's list tag type.</summary>
    public const int ListTagType = 3;

    /// <summary>The body size limit Amplitude documents for Pushwoosh (2 MB, read as 2,000,000 bytes, the stricter reading).</summary>
    public const int MaxBodyBytes = 2_000_000;

    /// <summary>Room kept in a bulk body for everything but the devices (application code, token, brackets).</summary>
    public const int EnvelopeAllowance = 4_096;

    /// <summary>One device of a bulk request: <c>{"user_id","list_operator","tags":{tag:[value]}}</c>, as UTF-8 JSON.</summary>
    public static byte[] Device(TagChange change, string tagName, string value)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("user_id", change.UserId);
            writer.WriteString("list_operator", change.Operator);
            writer.WriteStartObject("tags");
            writer.WriteStartArray(tagName);
            writer.WriteStringValue(value);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A <c>bulkSetTags</c> body: <c>{"application","auth","create_missing_tags":false,"devices":[...]}</c>, the devices
    /// written as given by <see cref="Device"/>.
    /// </summary>
    public static byte[] BulkSetTags(string application, string auth, IReadOnlyList<byte[]> devices, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var buffer = new ArrayBufferWriter<byte>(EnvelopeAllowance + (count * 128));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("application", application);
            writer.WriteString("auth", auth);

            // The tag is created (as a list) before any send; a missing one means someone deleted it, which should fail loudly.
            writer.WriteBoolean("create_missing_tags", false);
            writer.WriteStartArray("devices");
            for (var i = start; i < start + count; i++)
            {
                writer.WriteRawValue(devices[i], skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>listTags</c> body: <c>{"request":{"auth"}}</c>.</summary>
    public static byte[] ListTags(string auth) =>
        Write(writer =>
        {
            writer.WriteStartObject("request");
            writer.WriteString("auth", auth);
            writer.WriteEndObject();
        });

    /// <summary>
    /// An <c>addTag</c> body for a list tag: <c>{"request":{"auth","tag":{"name","type":3,"application_specific":true,"user_specific":true}}}</c>.
    /// Application- and user-specific, because a cohort belongs to one application and membership to a user, not a device.
    /// </summary>
    public static byte[] AddListTag(string auth, string tagName) =>
        Write(writer =>
        {
            writer.WriteStartObject("request");
            writer.WriteString("auth", auth);
            writer.WriteStartObject("tag");
            writer.WriteString("name", tagName);
            writer.WriteNumber("type", ListTagType);
            writer.WriteBoolean("application_specific", true);
            writer.WriteBoolean("user_specific", true);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

    /// <summary>Reads <c>request_id</c> from a <c>bulkSetTags</c> answer, or null when there is none.</summary>
    public static string? ReadRequestId(string json)
    {
        using var document = Parse(json);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
    }

    /// <summary>
    /// Reads a bulk status (schema UNVERIFIED, the sandbox's): <c>{"request_id","status","failed","skipped",
    /// "errors":[{"user_id","code"}],"skipped_devices":[{"user_id","code"}]}</c>. Returns null when the body has no <c>status</c>.
    /// </summary>
    public static BulkStatus? ReadStatus(string json)
    {
        using var document = Parse(json);
        if (document?.RootElement is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var failures = new List<DeviceFailure>();
        ReadDevices(root, "errors", skipped: false, failures);
        ReadDevices(root, "skipped_devices", skipped: true, failures);
        var failed = Count(root, "failed");
        var skippedCount = Count(root, "skipped");
        int? unsettled = failed is null && skippedCount is null ? null : (failed ?? 0) + (skippedCount ?? 0);
        return new BulkStatus(status.GetString()!, failures, unsettled);
    }

    /// <summary>Reads a json/1.3 envelope, or null when the body is not one.</summary>
    public static Envelope? ReadEnvelope(string json)
    {
        using var document = Parse(json);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("status_code", out var code) && code.TryGetInt32(out var statusCode)
            ? new Envelope(statusCode, String(root, "status_message"))
            : null;
    }

    /// <summary>Reads the tags of a <c>listTags</c> envelope: <c>response.tags[{name,type}]</c>.</summary>
    public static IReadOnlyList<TagInfo> ReadTags(string json)
    {
        using var document = Parse(json);
        var tags = new List<TagInfo>();
        if (document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object
            && response.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var tag in list.EnumerateArray())
            {
                if (String(tag, "name") is { } name && tag.TryGetProperty("type", out var type) && type.TryGetInt32(out var t))
                {
                    tags.Add(new TagInfo(name, t));
                }
            }
        }

        return tags;
    }

    /// <summary>Reads the v2 error body <c>{"message"}</c>, or null.</summary>
    public static string? ReadMessage(string json)
    {
        using var document = Parse(json);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root ? String(root, "message") : null;
    }

    private static void ReadDevices(JsonElement root, string name, bool skipped, List<DeviceFailure> failures)
    {
        if (root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    failures.Add(new DeviceFailure(String(item, "user_id"), String(item, "code") ?? String(item, "reason"), skipped));
                }
            }
        }
    }

    private static int? Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= 0 ? n : null;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

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

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
