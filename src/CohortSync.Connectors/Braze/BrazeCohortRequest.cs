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
