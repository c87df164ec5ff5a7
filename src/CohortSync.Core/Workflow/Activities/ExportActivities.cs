using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// StartExport: asks the sync's source for an export, or finds the cohort unchanged since the baseline's export, or shares
/// a recent export of the same cohort. The ticket is stored on the run, so the activity is idempotent and Prepare finds it.
/// </summary>
public sealed class StartExportActivity : IWorkflowActivity<RunInput, ExportTicket>
{
    private readonly ISyncStore _store;
    private readonly IEnumerable<ICohortExporter> _exporters;
    private readonly RunRecords _runs;
    private readonly TimeProvider _time;

    /// <summary>Creates the activity.</summary>
    public StartExportActivity(ISyncStore store, IEnumerable<ICohortExporter> exporters, RunRecords runs, TimeProvider time)
    {
        _store = store;
        _exporters = exporters;
        _runs = runs;
        _time = time;
    }

    /// <summary>Starts the export.</summary>
    public async Task<ExportTicket> RunAsync(RunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = (await _runs.GetAsync(input.RunId, cancellationToken)).Value;
        if (run.Export is { } started)
        {
            return started;
        }

        var sync = (await _store.GetSyncAsync(input.SyncId, cancellationToken))?.Value
            ?? throw new NotFoundException($"sync '{input.SyncId}' does not exist");
        var exporter = _exporters.FirstOrDefault(e => e.Serves(sync.Source));
        var ticket = ExportTicket.NotNeeded;
        if (exporter is not null)
        {
            var state = (await _store.GetSyncStateAsync(sync.Id, cancellationToken))?.Value;
            ticket = await exporter.StartAsync(sync.Source, sync.BuildChain().SourceFields.ToList(), state?.LastExportComputedAt, force: input.Mode == RunMode.Full, _time.GetUtcNow(), cancellationToken);
        }

        var stored = await _runs.UpdateAsync(input.RunId, r => r.Export is not null ? null : r with { Export = ticket }, cancellationToken);
        return stored.Export!;
    }
}

/// <summary>PollExport: asks once whether the run's export is ready; the workflow waits between polls on durable timers.</summary>
public sealed class PollExportActivity : IWorkflowActivity<RunInput, ExportTicket>
{
    private readonly ISyncStore _store;
    private readonly IEnumerable<ICohortExporter> _exporters;
    private readonly RunRecords _runs;

    /// <summary>Creates the activity.</summary>
    public PollExportActivity(ISyncStore store, IEnumerable<ICohortExporter> exporters, RunRecords runs)
    {
        _store = store;
        _exporters = exporters;
        _runs = runs;
    }

    /// <summary>Polls the export.</summary>
    public async Task<ExportTicket> RunAsync(RunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = (await _runs.GetAsync(input.RunId, cancellationToken)).Value;
        var ticket = run.Export ?? throw new InvalidOperationException($"run '{input.RunId}' has no export to poll");
        if (ticket.State != ExportState.Requested)
        {
            return ticket;
        }

        var sync = (await _store.GetSyncAsync(input.SyncId, cancellationToken))?.Value
            ?? throw new NotFoundException($"sync '{input.SyncId}' does not exist");
        var exporter = _exporters.FirstOrDefault(e => e.Serves(sync.Source))
            ?? throw new NotFoundException($"no exporter for source type '{sync.Source.Type}'");
        var polled = await exporter.PollAsync(sync.Source, ticket, cancellationToken);
        if (polled != ticket)
        {
            await _runs.UpdateAsync(input.RunId, r => r with { Export = polled }, cancellationToken);
        }

        return polled;
    }
}
