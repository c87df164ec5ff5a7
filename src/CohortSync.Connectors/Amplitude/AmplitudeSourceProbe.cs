using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources;

namespace CohortSync.Connectors.Amplitude;

/// <summary>
/// The version of an Amplitude cohort: when Amplitude last computed it, read from the cohort list (one request, no export,
/// no download, nothing counted against the monthly download quota). The same version an export of it carries
/// (<see cref="SourceVersions.Computed"/>), so a run that synced that export makes the next unchanged slot start nothing.
/// </summary>
public sealed class AmplitudeSourceProbe : ISourceProbe
{
    private readonly AmplitudeClient _client;

    /// <summary>Creates the probe.</summary>
    public AmplitudeSourceProbe(AmplitudeClient client) => _client = client;

    /// <inheritdoc/>
    public bool Serves(SourceDefinition source) =>
        string.Equals(source?.Type, AmplitudeConnection.SourceType, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public async Task<string?> GetVersionAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        var cohort = await _client.GetCohortAsync(AmplitudeConnection.From(source), cancellationToken);
        return cohort is null || cohort.Archived ? null : SourceVersions.Computed(cohort.LastComputed);
    }
}
