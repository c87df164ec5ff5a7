namespace CohortSync.Core.Identity;

/// <summary>
/// The key a destination knows a member by. Stored in snapshots as <c>{code}:{label}:{value}</c>
/// (label empty except for aliases), so a member who leaves is removed with the very key they were added with.
/// </summary>
/// <param name="Kind">What kind of identifier this is.</param>
/// <param name="Value">The identifier itself.</param>
/// <param name="Label">The alias label, for <see cref="KeyKind.Alias"/> only.</param>
public readonly record struct DestinationKey(KeyKind Kind, string Value, string? Label = null)
{
    /// <summary>The stored form of the key.</summary>
    public string Encode() => $"{KeyKinds.Code(Kind)}:{EscapeLabel(Label)}:{Value}";

    /// <summary>Parses the stored form written by <see cref="Encode"/>.</summary>
    public static DestinationKey Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (encoded.Length < 3 || encoded[1] != ':')
        {
            throw new FormatException("not an encoded destination key");
        }

        var kind = KeyKinds.FromCode(encoded[0]);
        var labelEnd = encoded.IndexOf(':', 2);
        if (labelEnd < 0)
        {
            throw new FormatException("not an encoded destination key");
        }

        var label = labelEnd == 2 ? null : UnescapeLabel(encoded[2..labelEnd]);
        return new DestinationKey(kind, encoded[(labelEnd + 1)..], label);
    }

    // A label may hold ':' (the separator) and '%' (the escape): both are percent-encoded; values need no escaping,
    // since they come last.
    private static string? EscapeLabel(string? label) =>
        label?.Replace("%", "%25", StringComparison.Ordinal).Replace(":", "%3A", StringComparison.Ordinal);

    private static string UnescapeLabel(string label) =>
        label.Replace("%3A", ":", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}(redacted)";
}
