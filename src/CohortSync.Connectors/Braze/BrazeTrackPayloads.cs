using System.Text.Json;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Braze;

/// <summary>What one attributes object does to its user's cohort attribute.</summary>
public enum BrazeAttributeOp
{
    /// <summary><c>{"attr": {"add": [value]}}</c>: adds the cohort to the array attribute.</summary>
    ArrayAdd,

    /// <summary><c>{"attr": {"remove": [value]}}</c>: removes the cohort from the array attribute.</summary>
    ArrayRemove,

    /// <summary><c>{"attr": true}</c>: the user is in the cohort.</summary>
    SetTrue,

    /// <summary><c>{"attr": false}</c>: the user left the cohort.</summary>
    SetFalse,
}

/// <summary>
/// One object of <c>/users/track</c>'s <c>attributes</c> array: one user (by external id, user alias or email), one custom
/// attribute write (one Braze data point). <see cref="ToString"/> leaves the identifier out.
/// </summary>
/// <param name="Key">The user's key (<see cref="KeyKind.UserId"/>, <see cref="KeyKind.Alias"/> or <see cref="KeyKind.Email"/>).</param>
/// <param name="Attribute">The custom attribute's name.</param>
/// <param name="Op">The write.</param>
/// <param name="Value">The cohort name for the array operations; unused for the boolean ones.</param>
/// <param name="UpdateExistingOnly">Sent as <c>_update_existing_only</c>: true never creates a user.</param>
public sealed record BrazeAttributeUpdate(DestinationKey Key, string Attribute, BrazeAttributeOp Op, string Value, bool UpdateExistingOnly)
{
    /// <inheritdoc/>
    public override string ToString() => $"BrazeAttributeUpdate {{ Kind = {Key.Kind}, Attribute = {Attribute}, Op = {Op} }}";
}

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

/// <summary>A non-fatal error Braze reported for one object of a <c>/users/track</c> request.</summary>
/// <param name="Index">The object's position in the request's <c>attributes</c> array.</param>
/// <param name="Reason">Braze's <c>type</c> text, made safe (never an identifier).</param>
public sealed record BrazeObjectError(int Index, string Reason);
