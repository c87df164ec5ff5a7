using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// The checks Iterable applies to identifiers, run in Prepare so that a member Iterable would refuse is counted as invalid
/// and never sent. Reasons name the rule, never the value.
/// </summary>
/// <remarks>
/// <para>User ids: Iterable refuses a <c>userId</c> that is "empty, too long, or containing non-ASCII or non-printable
/// characters or a trailing space", at most 52 characters (https://support.iterable.com/hc/en-us/articles/9216719179796-Project-Types-and-Unique-Identifiers).</para>
/// <para>Emails: Iterable validates with Apache Commons <c>EmailValidator</c> and a valid-TLD check. This is a port of that
/// validator's rules (commons-validator 1.x, <c>routines.EmailValidator</c> with <c>DomainValidator</c>, local addresses
/// not allowed) with one deliberate difference: Commons accepts only top-level domains on IANA's list as of its release,
/// and this accepts any well-formed one (letters only, or an <c>xn--</c> IDN label). An address with a well-formed but
/// unknown TLD therefore passes here, and Iterable's answer (<c>failedUpdates.invalidEmails</c>) turns it into a rejected
/// member after the send, so nothing is lost; the list changes every few months, and a copy of it would go stale.</para>
/// </remarks>
public static partial class IterableIdentifierRules
{
    /// <summary>The longest user id Iterable takes.</summary>
    public const int MaxUserIdLength = 52;

    /// <summary>The reason for an empty user id.</summary>
    public const string EmptyUserId = "userId is empty";

    /// <summary>The reason for a user id over <see cref="MaxUserIdLength"/> characters.</summary>
    public const string LongUserId = "userId longer than 52 characters";

    /// <summary>The reason for a user id with a character outside printable ASCII.</summary>
    public const string NonPrintableUserId = "userId has non-ASCII or non-printable characters";

    /// <summary>The reason for a user id ending with a space.</summary>
    public const string TrailingSpaceUserId = "userId ends with a space";

    /// <summary>The reason for an email Iterable's validator would refuse.</summary>
    public const string InvalidEmail = "email is not a valid address";

    private const int MaxLocalPartLength = 64;
    private const int MaxDomainLength = 253;

    /// <summary>Checks a user id; returns the reason Iterable would refuse it, or null.</summary>
    public static string? CheckUserId(string? userId) => CheckUserId(userId.AsSpan());

    /// <summary>Checks a user id given as characters (as Prepare resolves it, without a string).</summary>
    public static string? CheckUserId(ReadOnlySpan<char> userId)
    {
        if (userId.IsEmpty)
        {
            return EmptyUserId;
        }

        if (userId.Length > MaxUserIdLength)
        {
            return LongUserId;
        }

        // Printable ASCII is ' ' to '~'.
        if (userId.ContainsAnyExceptInRange(' ', '~'))
        {
            return NonPrintableUserId;
        }

        return userId[^1] == ' ' ? TrailingSpaceUserId : null;
    }

    /// <summary>Checks an email; returns the reason Iterable would refuse it, or null.</summary>
    public static string? CheckEmail(string? email) => IsValidEmail(email) ? null : InvalidEmail;

    /// <summary>
    /// True when Apache Commons <c>EmailValidator</c> would accept the address (bar the TLD list, see the type's remarks):
    /// no trailing dot; split at the last <c>@</c>; a local part of at most 64 characters made of dot-separated words
    /// (runs of characters other than whitespace, ASCII controls and <c>()&lt;&gt;@,;:\".[]</c>, with <c>'</c> and
    /// backslash-escapes allowed, or quoted strings); a domain that is an IP literal in brackets or a host name of at
    /// least two labels, at most 253 characters once IDN-encoded, ending in a well-formed TLD.
    /// </summary>
    public static bool IsValidEmail(string? email)
    {
        if (string.IsNullOrEmpty(email) || email.EndsWith('.'))
        {
            return false;
        }

        // Commons matches ^(.+)@(\S+)$: the greedy first group ends at the last '@'.
        var at = email.LastIndexOf('@');
        if (at <= 0 || at == email.Length - 1)
        {
            return false;
        }

        var local = email[..at];
        var domain = email[(at + 1)..];
        return !local.Any(IsLineTerminator)
            && !domain.Any(IsJavaWhitespace)
            && local.Length <= MaxLocalPartLength
            && LocalPart().IsMatch(local)
            && IsValidDomain(domain);
    }

    private static bool IsValidDomain(string domain)
    {
        if (domain.Length >= 2 && domain[0] == '[' && domain[^1] == ']')
        {
            return IsValidIpLiteral(domain[1..^1]);
        }

        var ascii = domain;
        if (!Ascii.IsValid(domain))
        {
            if (domain.Any(char.IsWhiteSpace))
            {
                return false;
            }

            try
            {
                ascii = new IdnMapping().GetAscii(domain);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        if (ascii.Length > MaxDomainLength)
        {
            return false;
        }

        var match = DomainName().Match(ascii);
        return match.Success && IsWellFormedTld(match.Groups["tld"].Value);
    }

    // Every TLD on IANA's list is letters only, or an IDN label in punycode.
    private static bool IsWellFormedTld(string tld) =>
        (tld.Length is >= 2 and <= 63 && tld.All(char.IsAsciiLetter))
        || (tld.StartsWith("xn--", StringComparison.OrdinalIgnoreCase) && tld.Length > 4 && tld.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    private static bool IsValidIpLiteral(string address)
    {
        var parts = address.Split('.');
        if (parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)))
        {
            // Commons refuses octets over 255 and octets with a leading zero.
            return parts.All(p => int.Parse(p, CultureInfo.InvariantCulture) <= 255 && (p.Length == 1 || p[0] != '0'));
        }

        return address.Contains(':', StringComparison.Ordinal)
            && !address.Contains('%', StringComparison.Ordinal)
            && IPAddress.TryParse(address, out var ip)
            && ip.AddressFamily == AddressFamily.InterNetworkV6;
    }

    // Java's \s (without UNICODE_CHARACTER_CLASS): space, \t, \n, \x0B, \f, \r.
    private static bool IsJavaWhitespace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    // Java's '.' stops at these, so Commons' (.+) never spans them.
    private static bool IsLineTerminator(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';

    // Commons' USER_REGEX: WORD(\.WORD)*, WORD = ((VALID_CHARS|')+|QUOTED_USER), VALID_CHARS = (\\.)|[^\s SPECIAL_CHARS],
    // SPECIAL_CHARS = \p{Cntrl}()<>@,;:'\".[] (ASCII controls in Java). Non-backtracking: quoted words overlap.
    [GeneratedRegex(
        """\A(?:(?:\\.|[^ \t\n\x0B\f\r\x00-\x1F\x7F()<>@,;:'\\".\[\]]|')+|"(?:\\"|[^"])*")(?:\.(?:(?:\\.|[^ \t\n\x0B\f\r\x00-\x1F\x7F()<>@,;:'\\".\[\]]|')+|"(?:\\"|[^"])*"))*\z""",
        RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex LocalPart();

    // Commons' DOMAIN_NAME_REGEX: one or more labels, then a top label starting with a letter (ASCII, after IDN encoding).
    [GeneratedRegex(
        @"\A(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?<tld>[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)\.?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex DomainName();
}
