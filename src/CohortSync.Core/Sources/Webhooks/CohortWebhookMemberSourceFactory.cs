using CohortSync.Core.Definitions;
using CohortSync.Core.Members;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// Opens an <c>amplitude-webhook</c> source for Prepare: applies the messages received since the last run to the stored
/// membership, then streams the members who are in the cohort now. The run that follows is an ordinary run: the snapshot,
/// the diff against the baseline, the batches and the guardrail do not know where the members came from.
/// </summary>
public sealed class CohortWebhookMemberSourceFactory : ITypedMemberSourceFactory
{
    private readonly CohortWebhookApplier _applier;
    private readonly ICohortWebhookStore _store;

    /// <summary>Creates the factory.</summary>
    public CohortWebhookMemberSourceFactory(CohortWebhookApplier applier, ICohortWebhookStore store)
    {
        _applier = applier;
        _store = store;
    }

    /// <inheritdoc/>
    public string SourceType => CohortWebhookSource.SourceType;

    /// <inheritdoc/>
    public async Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, ExportTicket? exportTicket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await _applier.ApplyPendingAsync(source.Location, cancellationToken);
        return new CohortWebhookMemberReader(_store.ReadStatesAsync(source.Location, cancellationToken), cancellationToken);
    }
}
