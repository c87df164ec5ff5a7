using System.Text.Json;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Braze;

/// <summary>Writes the body of <c>POST /users/track</c>: <c>{"attributes": [ ... ]}</c>, in the documented shape.</summary>
public static class BrazeTrackBody
{
    /// <summary>Serializes attribute objects to UTF-8 JSON.</summary>
    public static byte[] Serialize(IReadOnlyList<BrazeAttributeUpdate> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = BrazeJson.Options.Encoder }))
        {
            json.WriteStartObject();
            json.WriteStartArray("attributes");
            foreach (var update in attributes)
            {
                Write(json, update);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter json, BrazeAttributeUpdate update)
    {
        json.WriteStartObject();
        switch (update.Key.Kind)
        {
            case KeyKind.UserId:
                json.WriteString("external_id", update.Key.Value);
                break;
            case KeyKind.Alias:
                json.WriteStartObject("user_alias");
                json.WriteString("alias_name", update.Key.Value);
                json.WriteString("alias_label", update.Key.Label);
                json.WriteEndObject();
                break;
            case KeyKind.Email:
                json.WriteString("email", update.Key.Value);
                break;
            default:
                throw new ArgumentException($"/users/track takes no {update.Key.Kind} identifier", nameof(update));
        }

        json.WriteBoolean("_update_existing_only", update.UpdateExistingOnly);
        switch (update.Op)
        {
            case BrazeAttributeOp.ArrayAdd or BrazeAttributeOp.ArrayRemove:
                json.WriteStartObject(update.Attribute);
                json.WriteStartArray(update.Op == BrazeAttributeOp.ArrayAdd ? "add" : "remove");
                json.WriteStringValue(update.Value);
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            default:
                json.WriteBoolean(update.Attribute, update.Op == BrazeAttributeOp.SetTrue);
                break;
        }

        json.WriteEndObject();
    }
}
