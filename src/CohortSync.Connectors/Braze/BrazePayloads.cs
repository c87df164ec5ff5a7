using System.Text.Json.Serialization;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// The body of <c>POST /partners/{partner}/cohorts/users</c>: membership changes, at most
/// <see cref="BrazeCohortChanges.MaxIdentifiersPerRequest"/> identifiers over every change object.
/// <see cref="ToString"/> leaves the keys and identifiers out.
/// </summary>
/// <param name="PartnerApiKey">CohortSync's partner key for the cluster.</param>
/// <param name="ClientSecret">The customer's Data Import Key.</param>
/// <param name="CohortId">The cohort's id.</param>
/// <param name="CohortChanges">Change objects: at most one remove and one add.</param>
public sealed record BrazeCohortUsersRequest(
    [property: JsonPropertyName("partner_api_key")] string PartnerApiKey,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("cohort_id")] string CohortId,
    [property: JsonPropertyName("cohort_changes")] IReadOnlyList<BrazeCohortChange> CohortChanges)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"BrazeCohortUsersRequest {{ CohortId = {CohortId}, Changes = {CohortChanges.Count}, Identifiers = {CohortChanges.Sum(c => c.IdentifierCount)}, credentials redacted }}";
}

/// <summary>
/// One change object: users to add (or, with <see cref="ShouldRemove"/>, to remove), by external id, device id or alias.
/// All three arrays are always sent, as Segment's production client does.
/// </summary>
/// <param name="UserIds">External ids.</param>
/// <param name="DeviceIds">Device ids (Braze matches anonymous users only).</param>
/// <param name="Aliases">User aliases.</param>
/// <param name="ShouldRemove">True to remove these users; Braze's default is false.</param>
public sealed record BrazeCohortChange(
    [property: JsonPropertyName("user_ids")] IReadOnlyList<string> UserIds,
    [property: JsonPropertyName("device_ids")] IReadOnlyList<string> DeviceIds,
    [property: JsonPropertyName("aliases")] IReadOnlyList<BrazeUserAlias> Aliases,
    [property: JsonPropertyName("should_remove")] bool ShouldRemove)
{
    /// <summary>The identifiers this object counts towards the per-request cap.</summary>
    [JsonIgnore]
    public int IdentifierCount => UserIds.Count + DeviceIds.Count + Aliases.Count;

    /// <inheritdoc/>
    public override string ToString() => $"BrazeCohortChange {{ Identifiers = {IdentifierCount}, ShouldRemove = {ShouldRemove} }}";
}

/// <summary>A Braze user alias object.</summary>
/// <param name="AliasName">The alias.</param>
/// <param name="AliasLabel">Its label (the namespace of the alias).</param>
public sealed record BrazeUserAlias(
    [property: JsonPropertyName("alias_name")] string AliasName,
    [property: JsonPropertyName("alias_label")] string AliasLabel)
{
    /// <inheritdoc/>
    public override string ToString() => "BrazeUserAlias { redacted }";
}
