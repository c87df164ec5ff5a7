using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Send: read one stored batch, send it through the destination's connector, record the outcome. Idempotent: a settled
/// batch returns its stored outcome without sending. Transient failures throw, so the engine retries.
/// </summary>
public sealed class SendBatchActivity : IWorkflowActivity<SendBatchInput, BatchSummary>
{
    private readonly ISyncStore _store;
    private readonly IDestinationRegistry _destinations;
    private readonly RunRecords _runs;
    private readonly ILogger<SendBatchActivity> _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the activity.</summary>
    public SendBatchActivity(ISyncStore store, IDestinationRegistry destinations, RunRecords runs, TimeProvider time, ILogger<SendBatchActivity> logger)
    {
        _time = time;
        _store = store;
        _destinations = destinations;
        _runs = runs;
        _logger = logger;
    }

    /// <summary>Sends one batch.</summary>
    public async Task<BatchSummary> RunAsync(SendBatchInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = _time.GetTimestamp();
        var batch = await _store.GetBatchAsync(input.RunId, input.BatchNumber, cancellationToken)
            ?? throw new NotFoundException($"batch {input.BatchNumber} of run '{input.RunId}' does not exist");
        if (batch.Outcome is { } settled)
        {
            return Summarise(settled);
        }

        var run = (await _runs.GetAsync(input.RunId, cancellationToken)).Value;
        var plan = run.Plan ?? throw new InvalidOperationException($"run '{input.RunId}' has no plan");
        var sync = (await _store.GetSyncAsync(run.SyncId, cancellationToken))?.Value
            ?? throw new NotFoundException($"sync '{run.SyncId}' does not exist");
        var destination = (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value
            ?? throw new NotFoundException($"destination '{sync.DestinationId}' does not exist");
        var connector = _destinations.Resolve(destination.Type);

        // With fewer batches than parallel sends, they all run at once and share the limit between them.
        var share = 1.0 / Math.Max(1, Math.Min(plan.MaxParallelSends, plan.BatchCount));
        var request = new SendRequest(sync.Id, run.RunId, batch.Number, plan.ContainerId ?? string.Empty, batch.Changes, share, started, plan.LearnedRequestsPerSecond);
        var result = await connector.SendAsync(destination, request, cancellationToken);
        var rejections = result.Rejections.GroupBy(r => r.Index).Select(g => g.First()).OrderBy(r => r.Index).ToList();
        var outcome = new BatchOutcome
        {
            Number = batch.Number,
            Accepted = batch.Changes.Count - rejections.Count,
            Rejections = rejections,
            Requests = result.Requests,
            RequestsPerSecond = result.RequestsPerSecond,
        };
        await _store.SaveBatchOutcomeAsync(input.RunId, outcome, cancellationToken);
        _logger.BatchSent(input.RunId, batch.Number, outcome.Accepted, rejections.Count, result.Requests);
        return Summarise(outcome);
    }

    private static BatchSummary Summarise(BatchOutcome outcome) => new(outcome.Number, outcome.Accepted, outcome.Rejections.Count);
}
