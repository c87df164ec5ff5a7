using System.Buffers;
using System.Text;
using System.Text.Json;
using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// What a Braze destination can carry, checked before anything is sent. Braze itself reports nothing per identifier (an
/// unknown id is ignored silently), so these rules only refuse what could not be sent or could never match.
/// </summary>
public static class BrazeIdentifierRules
{
    /// <summary>
    /// The most bytes one identifier (an alias: name and label together) may take in the JSON body. Braze documents a 4 MB
    /// limit on API request bodies (413 above it); 1,000 identifiers of this size, with their quotes and alias keys, stay
    /// under 4,000,000 bytes, so a full request always fits. The cap is our derivation, not a documented Braze id limit.
    /// </summary>
    public const int MaxIdentifierBytes = 3_900;

    /// <summary>The reason for a key of a kind Braze takes in no mode.</summary>
    public const string UnsupportedKind = "Braze takes external ids, user aliases, emails and device ids only";

    /// <summary>The reason for an email key that is not an address.</summary>
    public const string NotAnEmail = "not an email address";

    /// <summary>The reason for an alias without a label.</summary>
    public const string MissingAliasLabel = "a Braze user alias needs an alias label";

    /// <summary>The reason for an identifier over <see cref="MaxIdentifierBytes"/>.</summary>
    public const string TooLong = "identifier longer than 3,900 bytes (1,000 of them must fit in Braze's 4 MB request limit)";

    /// <summary>The reason for an empty identifier.</summary>
    public const string Empty = "empty identifier";

    /// <summary>The reason for text that cannot be written as UTF-8 (a lone surrogate).</summary>
    public const string NotUnicode = "identifier is not valid Unicode text";

    /// <summary>The key kinds the partner cohort import takes, in the chain order the design suggests.</summary>
    public static IReadOnlyList<KeyKind> PartnerKinds { get; } = [KeyKind.UserId, KeyKind.Alias, KeyKind.DeviceId];

    /// <summary>The key kinds <c>/users/track</c> takes here (external id, alias, email), in the suggested chain order.</summary>
    public static IReadOnlyList<KeyKind> TrackKinds { get; } = [KeyKind.UserId, KeyKind.Alias, KeyKind.Email];

    /// <summary>Returns why a key cannot go to Braze, or null. Never echoes the identifier.</summary>
    public static string? Check(DestinationKey key) => Check(key.Kind, key.Value, key.Label);

    /// <summary>Returns why a key given as characters (as Prepare resolves it) cannot go to Braze, or null.</summary>
    public static string? Check(KeyKind kind, ReadOnlySpan<char> value, string? label)
    {
        switch (kind)
        {
            case KeyKind.UserId or KeyKind.DeviceId:
                return CheckText(value, null);
            case KeyKind.Alias when string.IsNullOrWhiteSpace(label):
                return MissingAliasLabel;
            case KeyKind.Alias:
                return CheckText(value, label);
            case KeyKind.Email:
                return CheckText(value, null) ?? (IsAddress(value) ? null : NotAnEmail);
            default:
                return UnsupportedKind;
        }
    }

    // One '@' with text on both sides and no white space: Braze checks the rest and reports it per object.
    private static bool IsAddress(ReadOnlySpan<char> value)
    {
        var at = value.IndexOf('@');
        if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string? CheckText(ReadOnlySpan<char> value, string? label)
    {
        if (value.IsWhiteSpace())
        {
            return Empty;
        }

        if (!IsValidUnicode(value) || (label is not null && !IsValidUnicode(label)))
        {
            return NotUnicode;
        }

        var bytes = EncodedLength(value) + (label is null ? 0 : EncodedLength(label));
        return bytes > MaxIdentifierBytes ? TooLong : null;
    }

    // The common case (printable ASCII with nothing to escape) is measured without building the escaped copy; anything
    // else is measured as the serializer will write it (escapes, and non-BMP characters as surrogate escapes).
    private static int EncodedLength(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < (char)0x20 or > (char)0x7e or '"' or '\\')
            {
                return JsonEncodedText.Encode(text, BrazeJson.Options.Encoder).EncodedUtf8Bytes.Length;
            }
        }

        return text.Length;
    }

    private static bool IsValidUnicode(ReadOnlySpan<char> text)
    {
        var span = text;
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out _, out var consumed) != OperationStatus.Done)
            {
                return false;
            }

            span = span[consumed..];
        }

        return true;
    }
}
