using System.ComponentModel.DataAnnotations;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// CohortSync's own side of the Braze partner cohort import (<c>mode: partnerCohort</c>): the names (never the values) of
/// the two partner API keys Braze issues to a partner, one valid on every US cluster and one on the EU clusters (the partner name is a destination setting, <c>partnerName</c>). Section
/// <c>Connectors:Braze</c>; validated at start-up.
/// </summary>
public sealed class BrazeOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Connectors:Braze";

    /// <summary>A Key Vault secret name: 1 to 127 letters, digits and dashes.</summary>
    private const string SecretNamePattern = "^[A-Za-z0-9-]{1,127}$";

    /// <summary>The name of the secret holding the partner API key valid on the US clusters (and AU-01, see the README).</summary>
    /// <value>Default <c>braze-partner-key-us</c>.</value>
    [Required]
    [RegularExpression(SecretNamePattern, ErrorMessage = "UsPartnerKeySecret must be a secret name: 1 to 127 letters, digits and dashes")]
    public string UsPartnerKeySecret { get; set; } = "braze-partner-key-us";

    /// <summary>The name of the secret holding the partner API key valid on the EU clusters.</summary>
    /// <value>Default <c>braze-partner-key-eu</c>.</value>
    [Required]
    [RegularExpression(SecretNamePattern, ErrorMessage = "EuPartnerKeySecret must be a secret name: 1 to 127 letters, digits and dashes")]
    public string EuPartnerKeySecret { get; set; } = "braze-partner-key-eu";

    /// <summary>
    /// The cohort endpoints' documented limit per credential, in requests per hour. A destination's <c>requestsPerSecond</c>
    /// setting overrides it.
    /// </summary>
    /// <value>Default 250,000.</value>
    [Range(1, 100_000_000)]
    public int RequestsPerHour { get; set; } = 250_000;
}
