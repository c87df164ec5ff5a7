namespace CohortSync.Sandbox.Braze;

/// <summary>A user alias: a name under a label.</summary>
/// <param name="Name">The alias name.</param>
/// <param name="Label">The alias label.</param>
public readonly record struct BrazeAlias(string Name, string Label);

/// <summary>
/// A Braze user profile that already exists in the workspace. Identified profiles have an external id; anonymous ones do
/// not (Braze matches their device ids); any profile may carry aliases.
/// </summary>
public sealed class BrazeProfile
{
    internal BrazeProfile(string? externalId, IReadOnlyList<BrazeAlias> aliases, IReadOnlyList<string> deviceIds, string? email = null)
    {
        ExternalId = externalId;
        Aliases = aliases;
        DeviceIds = deviceIds;
        Email = email;
        Label = externalId
            ?? (aliases.Count > 0 ? $"alias:{aliases[0].Label}:{aliases[0].Name}"
                : deviceIds.Count > 0 ? "device:" + deviceIds[0]
                : email is not null ? "email:" + email : "profile");
    }

    /// <summary>The profile's email address, if any.</summary>
    public string? Email { get; }

    /// <summary>
    /// Custom attributes written by <c>/users/track</c>: a string, number, boolean, a <see cref="List{T}"/> of strings (an
    /// array attribute) or null. Read under the workspace's lock, or through <see cref="BrazeWorkspace.Attribute"/>.
    /// </summary>
    internal Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>The external id, or null for an anonymous profile.</summary>
    public string? ExternalId { get; }

    /// <summary>The profile's aliases.</summary>
    public IReadOnlyList<BrazeAlias> Aliases { get; }

    /// <summary>The profile's device ids.</summary>
    public IReadOnlyList<string> DeviceIds { get; }

    /// <summary>True when the profile has no external id.</summary>
    public bool IsAnonymous => ExternalId is null;

    /// <summary>How the inspection route names the profile: its external id, else <c>alias:{label}:{name}</c>, else <c>device:{id}</c>.</summary>
    public string Label { get; }
}

/// <summary>One partner cohort in a workspace.</summary>
public sealed class BrazeCohort
{
    internal BrazeCohort(string id) => Id = id;

    /// <summary>The partner's cohort id.</summary>
    public string Id { get; }

    /// <summary>The name last set by the cohort-name endpoint; null when users arrived before any name.</summary>
    public string? Name { get; internal set; }

    /// <summary>The <c>created_at</c> last sent.</summary>
    public string? CreatedAt { get; internal set; }

    /// <summary>Calls of the cohort-name endpoint that created this cohort (0 or 1).</summary>
    public int Creates { get; internal set; }

    /// <summary>Calls of the cohort-name endpoint for this cohort after it existed (renames, or the same name again).</summary>
    public int NameCalls { get; internal set; }

    /// <summary>Calls that changed the name.</summary>
    public int Renames { get; internal set; }

    internal HashSet<BrazeProfile> MemberSet { get; } = [];

    internal Dictionary<BrazeProfile, int> AddDeliveries { get; } = [];
}

