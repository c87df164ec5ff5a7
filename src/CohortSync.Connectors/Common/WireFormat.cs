using System.Text.Json;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Common;

/// <summary>Writes one change as a JSON object: <c>{"op","kind","id","label"?,"fields"?}</c>. Shared by the webhook and file destinations.</summary>
public static class WireFormat
{
    /// <summary>Writes a change.</summary>
    public static void WriteChange(Utf8JsonWriter writer, MemberChange change)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(change);
        var key = change.Key;
        writer.WriteStartObject();
        writer.WriteString("op", change.Kind switch { ChangeKind.Add => "add", ChangeKind.Remove => "remove", _ => "update" });
        writer.WriteString("kind", JsonNamingPolicy.CamelCase.ConvertName(key.Kind.ToString()));
        writer.WriteString("id", key.Value);
        if (key.Label is not null)
        {
            writer.WriteString("label", key.Label);
        }

        var fields = change.Fields;
        if (fields.Count > 0)
        {
            writer.WriteStartObject("fields");
            foreach (var (name, value) in fields)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
