using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>The key rules for each identifier mode. Every reason is a fixed text that never contains the key.</summary>
public static class PushwooshIdentifiers
{
    /// <summary>The longest user id accepted (a guard of ours: Pushwoosh documents no limit).</summary>
    public const int MaxUserIdLength = 256;

    /// <summary>The key kind a mode takes.</summary>
    public static KeyKind KindOf(PushwooshIdentifier identifier) => identifier == PushwooshIdentifier.UserId ? KeyKind.UserId : KeyKind.Email;

    /// <summary>Checks a key of either kind; returns why it would be refused, or null.</summary>
    public static string? Check(DestinationKey key)
    {
        return key.Kind switch
        {
            KeyKind.Email => PushwooshEmail.Check(key.Value),
            KeyKind.UserId => CheckUserId(key.Value),
            _ => "pushwoosh takes email or user id keys only",
        };
    }

    /// <summary>
    /// Checks a user id: 1 to <see cref="MaxUserIdLength"/> characters, no control characters, no leading or trailing
    /// space (it would not match the id the SDK set). Ids are sent exactly as given.
    /// </summary>
    public static string? CheckUserId(string? userId) => CheckUserId(userId.AsSpan());

    /// <summary>Checks a user id given as characters (as Prepare resolves it, without a string).</summary>
    public static string? CheckUserId(ReadOnlySpan<char> userId)
    {
        if (userId.IsEmpty)
        {
            return "invalid user id: empty";
        }

        if (userId.Length > MaxUserIdLength)
        {
            return "invalid user id: longer than 256 characters";
        }

        if (char.IsWhiteSpace(userId[0]) || char.IsWhiteSpace(userId[^1]))
        {
            return "invalid user id: starts or ends with a space";
        }

        foreach (var c in userId)
        {
            if (char.IsControl(c))
            {
                return "invalid user id: contains control characters";
            }
        }

        return null;
    }
}
