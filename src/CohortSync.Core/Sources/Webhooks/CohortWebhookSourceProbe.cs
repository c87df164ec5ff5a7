using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// The version of an <c>amplitude-webhook</c> source: a marker the store rewrites with every accepted message (one point
/// read), so the scheduler starts a run only when a message arrived since the destination was brought in step.
/// </summary>
public sealed class CohortWebhookSourceProbe : ISourceProbe
{
    private readonly ICohortWebhookStore _store;

    /// <summary>Creates the probe.</summary>
    public CohortWebhookSourceProbe(ICohortWebhookStore store) => _store = store;

    /// <inheritdoc/>
    public bool Serves(SourceDefinition source) => CohortWebhookSource.Serves(source);

    /// <inheritdoc/>
    public async Task<string?> GetVersionAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);

        // Before the first message the version is fixed, so an empty source is not synced again every slot.
        return "webhook:" + (await _store.GetVersionAsync(source.Location, cancellationToken) ?? "none");
    }
}
