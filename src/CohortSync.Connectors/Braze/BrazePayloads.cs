using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// The body of <c>POST /partners/{partner}/cohorts</c>: creates the cohort, or renames it when <c>cohort_id</c> is known.
/// Auth travels in the body (no header). <see cref="ToString"/> leaves the keys out.
/// </summary>
/// <param name="PartnerApiKey">CohortSync's partner key for the cluster.</param>
/// <param name="ClientSecret">The customer's Data Import Key.</param>
/// <param name="CohortId">The cohort's id, unique per client.</param>
/// <param name="Name">The name shown in the Braze dashboard; must not be empty.</param>
/// <param name="CreatedAt">ISO-8601 time.</param>
public sealed record BrazeCohortRequest(
    [property: JsonPropertyName("partner_api_key")] string PartnerApiKey,
    [property: JsonPropertyName("client_secret")] string ClientSecret,
    [property: JsonPropertyName("cohort_id")] string CohortId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("created_at")] string CreatedAt)
{
    /// <inheritdoc/>
    public override string ToString() => $"BrazeCohortRequest {{ CohortId = {CohortId}, credentials redacted }}";
}

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

/// <summary>How bodies are written: UTF-8 as is, so an identifier's size on the wire is what <see cref="BrazeIdentifierRules"/> measured.</summary>
public static class BrazeJson
{
    /// <summary>The serializer options for Braze bodies.</summary>
    /// <remarks>
    /// The relaxed encoder writes non-ASCII text as UTF-8 instead of <c>\uXXXX</c> escapes; these bodies go to an API, never
    /// into HTML, which is what the stricter default encoder protects.
    /// </remarks>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serializes a body to UTF-8 JSON.</summary>
    public static byte[] Serialize<T>(T body) => JsonSerializer.SerializeToUtf8Bytes(body, Options);
}
