namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// The email rules applied before a member is sent to Pushwoosh, whose user id for a cohort member is the email itself.
/// Pushwoosh does not publish its own rules, so these are the common subset of RFC 5321/5322 that mail systems accept:
/// <list type="bullet">
/// <item>at most 254 characters, ASCII only, no spaces or control characters;</item>
/// <item>exactly one <c>@</c>;</item>
/// <item>a local part of 1 to 64 characters: letters, digits and <c>!#$%&amp;'*+/=?^_`{|}~-</c>, with dots only between
/// them (no quoted local parts);</item>
/// <item>a domain of at most 253 characters and at least two labels, each 1 to 63 letters, digits or hyphens, not
/// starting or ending with a hyphen, the last one at least two letters (no IP literals).</item>
/// </list>
/// Addresses are checked as given, never rewritten: the snapshot key must stay the one sent, so a remove matches its add.
/// Every reason is a fixed text that never contains the address.
/// </summary>
public static class PushwooshEmail
{
    /// <summary>The longest address accepted (RFC 5321 path limit less the angle brackets).</summary>
    public const int MaxLength = 254;

    /// <summary>The longest local part (RFC 5321).</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>The longest domain (RFC 1035).</summary>
    public const int MaxDomainLength = 253;

    private const string LocalSpecials = "!#$%&'*+/=?^_`{|}~-";

    /// <summary>Checks an address; returns why it would be refused, or null when it is acceptable.</summary>
    public static string? Check(string? email)
    {
        if (string.IsNullOrEmpty(email))
        {
            return "invalid email: empty";
        }

        if (email.Length > MaxLength)
        {
            return "invalid email: longer than 254 characters";
        }

        foreach (var c in email)
        {
            if (c > '\u007f')
            {
                return "invalid email: non-ASCII characters (internationalised addresses are not accepted)";
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return "invalid email: contains spaces or control characters";
            }
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || at != email.LastIndexOf('@'))
        {
            return "invalid email: needs exactly one '@'";
        }

        return CheckLocalPart(email.AsSpan(0, at)) ?? CheckDomain(email.AsSpan(at + 1));
    }

    private static string? CheckLocalPart(ReadOnlySpan<char> local)
    {
        if (local.Length is 0 or > MaxLocalPartLength)
        {
            return "invalid email: the part before '@' is empty or longer than 64 characters";
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return "invalid email: a dot before '@' is first, last or doubled";
        }

        foreach (var c in local)
        {
            if (c != '.' && !char.IsAsciiLetterOrDigit(c) && !LocalSpecials.Contains(c, StringComparison.Ordinal))
            {
                return "invalid email: a character before '@' is not allowed";
            }
        }

        return null;
    }

    private static string? CheckDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length is 0 or > MaxDomainLength)
        {
            return "invalid email: the domain is empty or longer than 253 characters";
        }

        var labels = 0;
        var lastLabel = ReadOnlySpan<char>.Empty;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return "invalid email: the domain is not a valid host name";
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return "invalid email: the domain is not a valid host name";
                }
            }

            labels++;
            lastLabel = label;
        }

        if (labels < 2 || lastLabel.Length < 2 || !IsAllLetters(lastLabel))
        {
            return "invalid email: the domain needs a top-level domain of at least two letters";
        }

        return null;
    }

    private static bool IsAllLetters(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }
}
