using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Checks a member before anything is sent, so a member Productboard would refuse is counted as rejected in Prepare rather
/// than failing a request. Reasons never contain the identifier itself.
/// </summary>
public static class ProductboardValidator
{
    /// <summary>The longest email and external id Productboard takes (v1 OpenAPI <c>maxLength</c> on the note's user fields).</summary>
    public const int MaxLength = 256;

    /// <summary>Returns why Productboard would refuse the member, or null.</summary>
    public static string? Validate(DestinationKey key, string? payload)
    {
        if (key.Kind != KeyKind.UserId)
        {
            return "productboard: the key must be a user id";
        }

        if (string.IsNullOrWhiteSpace(key.Value))
        {
            return "productboard: user id is empty";
        }

        // Prepare hands the stored payload (the interface's shape), so this is the one place the connector decodes it.
        var member = ProductboardMember.From(key, MemberPayload.Decode(payload));

        // The user id is written as the external id when none is carried, so it obeys the same limit.
        if (member.ExternalId is null && member.UserId.Length > MaxLength)
        {
            return $"productboard: user id longer than {MaxLength} characters (it is stored as the external id)";
        }

        if (member.ExternalId is { Length: > MaxLength })
        {
            return $"productboard: external id longer than {MaxLength} characters";
        }

        if (member.Email is { } email)
        {
            if (email.Length > MaxLength)
            {
                return $"productboard: email longer than {MaxLength} characters";
            }

            if (!IsEmail(email))
            {
                return "productboard: email is not a valid address";
            }
        }

        return null;
    }

    /// <summary>
    /// A deliberately plain shape check: one <c>@</c> with something before it, a domain with a dot that neither starts nor
    /// ends the domain, and no whitespace or control characters. Productboard's exact rule is not published.
    /// </summary>
    public static bool IsEmail(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        var domain = value.AsSpan(at + 1);
        var dot = domain.IndexOf('.');
        return dot > 0 && domain[^1] != '.' && !domain.Contains("..", StringComparison.Ordinal);
    }
}
