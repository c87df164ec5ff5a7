using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Amplitude;

/// <summary>
/// Where an Amplitude project is reached and with which credentials: the US host (<c>https://amplitude.com</c>) or the EU
/// one (<c>https://analytics.eu.amplitude.com</c>) by the source's <c>region</c> setting, or its <c>baseUrl</c>; and the secret
/// holding <c>api_key:secret_key</c> for HTTP Basic auth.
/// </summary>
/// <param name="BaseAddress">The API host.</param>
/// <param name="SecretName">The credentials' secret.</param>
/// <param name="CohortId">The cohort.</param>
public sealed record AmplitudeConnection(Uri BaseAddress, string SecretName, string CohortId)
{
    /// <summary>The source type.</summary>
    public const string SourceType = "amplitude";

    /// <summary>Identifies the cohort across projects (cohort ids are per project): host, credential name, cohort id.</summary>
    public string CohortKey => $"{BaseAddress.Host}:{BaseAddress.Port}|{SecretName}|{CohortId}";

    /// <summary>The project (for per-project limits): host and credential name.</summary>
    public string ProjectKey => $"{BaseAddress.Host}:{BaseAddress.Port}|{SecretName}";

    /// <summary>Reads the connection of an <c>amplitude</c> source.</summary>
    public static AmplitudeConnection From(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = source.Setting("baseUrl") ?? (source.Setting("region", "US")!.ToUpperInvariant() switch
        {
            "US" => "https://amplitude.com",
            "EU" => "https://analytics.eu.amplitude.com",
            _ => null,
        });
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw new ValidationException("an Amplitude source needs a 'region' of US or EU, or an absolute 'baseUrl'");
        }

        if (string.IsNullOrWhiteSpace(source.SecretName))
        {
            throw new ValidationException("an Amplitude source needs 'secretName': a secret holding 'api_key:secret_key'");
        }

        if (string.IsNullOrWhiteSpace(source.Location))
        {
            throw new ValidationException("an Amplitude source needs the cohort id as its 'location'");
        }

        return new AmplitudeConnection(new Uri(uri.ToString().TrimEnd('/') + "/"), source.SecretName, source.Location.Trim());
    }
}
