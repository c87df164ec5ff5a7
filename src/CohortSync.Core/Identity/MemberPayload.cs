namespace CohortSync.Core.Identity;

/// <summary>
/// The fields carried beside a key (email, external id, ...), encoded as one compact string so snapshots can compare
/// payloads cheaply: <c>name=value</c> pairs separated by the unit separator (U+001F), in the chain's order.
/// </summary>
public static class MemberPayload
{
    /// <summary>Separates the fields (U+001F, the unit separator); a value's own separators become spaces.</summary>
    internal const char Separator = '\u001f';

    /// <summary>Encodes fields; returns null for none.</summary>
    public static string? Encode(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            return null;
        }

        return string.Join(Separator, fields.Select(f => f.Key + "=" + f.Value.Replace(Separator, ' ')));
    }

    /// <summary>Decodes a payload written by <see cref="Encode"/>.</summary>
    public static IReadOnlyDictionary<string, string> Decode(string? payload)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(payload))
        {
            return result;
        }

        foreach (var part in payload.Split(Separator))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[part[..eq]] = part[(eq + 1)..];
            }
        }

        return result;
    }
}
