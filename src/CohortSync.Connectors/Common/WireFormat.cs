using System.Text.Json;
using CohortSync.Core.Identity;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Common;

/// <summary>Writes one change as a JSON object: <c>{"op","kind","id","label"?,"fields"?}</c>. Shared by the webhook and file destinations.</summary>
public static class WireFormat
{
    /// <summary>Writes a change.</summary>
    public static void WriteChange(Utf8JsonWriter writer, SnapshotChange change)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var key = DestinationKey.Decode(change.Entry.Key);
        writer.WriteStartObject();
        writer.WriteString("op", change.Kind switch { ChangeKind.Add => "add", ChangeKind.Remove => "remove", _ => "update" });
        writer.WriteString("kind", JsonNamingPolicy.CamelCase.ConvertName(key.Kind.ToString()));
        writer.WriteString("id", key.Value);
        if (key.Label is not null)
        {
            writer.WriteString("label", key.Label);
        }

        var fields = MemberPayload.Decode(change.Entry.Payload);
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
