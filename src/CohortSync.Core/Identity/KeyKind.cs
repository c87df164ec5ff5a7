namespace CohortSync.Core.Identity;

/// <summary>The kind of identifier a destination knows a member by.</summary>
public enum KeyKind
{
    /// <summary>The destination's user id (Braze external_id, Iterable userId, Productboard user id).</summary>
    UserId,

    /// <summary>An email address.</summary>
    Email,

    /// <summary>A device id (Braze matches anonymous users only).</summary>
    DeviceId,

    /// <summary>A user alias: a name under a label (Braze).</summary>
    Alias,

    /// <summary>An external id carried beside the user id (Productboard).</summary>
    ExternalId,
}

/// <summary>Short, stable codes for key kinds, used inside stored snapshot keys.</summary>
public static class KeyKinds
{
    /// <summary>The one-letter code of a kind.</summary>
    public static char Code(KeyKind kind) => kind switch
    {
        KeyKind.UserId => 'u',
        KeyKind.Email => 'e',
        KeyKind.DeviceId => 'd',
        KeyKind.Alias => 'a',
        KeyKind.ExternalId => 'x',
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown key kind"),
    };

    /// <summary>The kind for a code written by <see cref="Code"/>.</summary>
    public static KeyKind FromCode(char code) => code switch
    {
        'u' => KeyKind.UserId,
        'e' => KeyKind.Email,
        'd' => KeyKind.DeviceId,
        'a' => KeyKind.Alias,
        'x' => KeyKind.ExternalId,
        _ => throw new FormatException($"unknown key kind code '{code}'"),
    };
}
