using CohortSync.Core.Definitions;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Ports;

/// <summary>
/// A source that prepares its members asynchronously (Amplitude's cohort export): request, poll, download. Requesting and
/// polling are separate activities so the orchestrator waits between polls with durable timers, never inside an activity.
/// Downloading happens in Prepare, through <see cref="IMemberSourceFactory"/>, which streams the file into the snapshot.
/// </summary>
public interface ICohortExporter
{
    /// <summary>True for the sources this exporter serves.</summary>
    bool Serves(SourceDefinition source);

    /// <summary>
    /// Starts a run's export: <see cref="ExportState.Unchanged"/> when the cohort was not recomputed since
    /// <paramref name="lastComputedAt"/> (unless <paramref name="force"/>), a shared export of the same cohort when one is
    /// recent enough, else a new request. Unknown or archived cohorts and bad credentials throw with a message that says
    /// what to do; throttling throws a retryable error.
    /// </summary>
    /// <param name="source">The sync's source.</param>
    /// <param name="fields">The fields the identifier chain reads (the export must include them).</param>
    /// <param name="lastComputedAt">The cohort version the baseline holds, if any.</param>
    /// <param name="force">True to export even an unchanged cohort (a full sync).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<ExportTicket> StartAsync(SourceDefinition source, IReadOnlyCollection<string> fields, DateTimeOffset? lastComputedAt, bool force, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Asks once whether a requested export is ready; returns the ticket, <see cref="ExportState.Ready"/> when it is.</summary>
    Task<ExportTicket> PollAsync(SourceDefinition source, ExportTicket ticket, CancellationToken cancellationToken);
}
