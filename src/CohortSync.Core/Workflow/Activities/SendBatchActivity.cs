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

    /// <summary>Creates the activity.</summary>
    public SendBatchActivity(ISyncStore store, IDestinationRegistry destinations, RunRecords runs, ILogger<SendBatchActivity> logger)
    {
        _store = store;
        _destinations = destinations;
        _runs = runs;
        _logger = logger;
    }

    /// <summary>Sends one batch.</summary>
    public async Task<BatchSummary> RunAsync(SendBatchInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
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

        // A send that failed partway recorded what the destination had answered for: only the rest is sent again.
        var earlier = batch.Progress;
        var unsettled = Unsettled(batch.Changes.Count, earlier);
        var changes = unsettled.Count == batch.Changes.Count ? batch.Changes : [.. unsettled.Select(i => batch.Changes[i])];

        // The workflow sends the batches in lanes (fewer when there are fewer batches than parallel sends): each lane takes
        // its own moments of the destination's rate.
        var lanes = SyncWorkflow.Lanes(plan);
        var delivery = new DeliveryLog();
        var request = new SendRequest(
            sync.Id, run.RunId, batch.Number, plan.ContainerId ?? string.Empty, changes, 1.0 / lanes, SyncWorkflow.LaneOf(plan, batch.Number), plan.LearnedRequestsPerSecond, delivery);
        SendResult result;
        try
        {
            result = await connector.SendAsync(destination, request, cancellationToken);
        }
        catch (Exception) when (delivery.Count > 0)
        {
            // Keep what landed before the failure, even when the host is stopping: it is the difference between a member
            // the destination holds and one whose delivery is uncertain.
            await _store.SaveBatchProgressAsync(input.RunId, Merge(batch.Number, earlier, unsettled, delivery), CancellationToken.None);
            _logger.BatchPartlySent(input.RunId, batch.Number, delivery.Count, changes.Count);
            throw;
        }

        var rejections = result.Rejections
            .Select(r => r with { Index = unsettled[r.Index] })
            .Concat(earlier?.Rejections ?? [])
            .GroupBy(r => r.Index)
            .Select(g => g.First())
            .OrderBy(r => r.Index)
            .ToList();
        List<MemberRejection> skipped = [.. (result.Skipped ?? []).Select(r => r with { Index = unsettled[r.Index] }).OrderBy(r => r.Index)];
        var outcome = new BatchOutcome
        {
            Number = batch.Number,
            Accepted = batch.Changes.Count - rejections.Count - skipped.Count,
            Rejections = rejections,
            Requests = result.Requests,
            RequestsPerSecond = result.RequestsPerSecond,
            DataPoints = result.DataPoints,
            Skipped = skipped,
        };
        await _store.SaveBatchOutcomeAsync(input.RunId, outcome, cancellationToken);
        _logger.BatchSent(input.RunId, batch.Number, outcome.Accepted, rejections.Count, outcome.Requests);
        return Summarise(outcome);
    }

    // Positions in the batch not yet settled, in order.
    private static List<int> Unsettled(int count, BatchProgress? earlier)
    {
        if (earlier is null)
        {
            return [.. Enumerable.Range(0, count)];
        }

        var settled = earlier.Settled.ToHashSet();
        return [.. Enumerable.Range(0, count).Where(i => !settled.Contains(i))];
    }

    // The batch's progress after a failed send: what earlier sends settled plus what this one did, in batch positions.
    private static BatchProgress Merge(int number, BatchProgress? earlier, List<int> unsettled, DeliveryLog delivery) => new()
    {
        Number = number,
        Settled = [.. (earlier?.Settled ?? []).Concat(delivery.SettledIndexes().Select(i => unsettled[i])).Order()],
        Rejections = [.. (earlier?.Rejections ?? []).Concat(delivery.Rejections().Select(r => r with { Index = unsettled[r.Index] })).OrderBy(r => r.Index)],
    };

    private static BatchSummary Summarise(BatchOutcome outcome) => new(outcome.Number, outcome.Accepted, outcome.Rejections.Count);
}
