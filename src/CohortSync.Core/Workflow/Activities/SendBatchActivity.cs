using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Send: read one stored batch, send it through the destination's connector, record the outcome. Idempotent: a settled
/// batch returns its stored outcome without sending. Transient failures throw, so the engine retries.
/// <para>
/// Given its lane (<see cref="SendBatchInput.Lanes"/>), the activity then goes on with the lane's next batches (the batch
/// number plus the lanes, plus twice the lanes, ...) for up to <see cref="LaneBudget"/>, each sent, settled and recorded
/// exactly as the first, and reports the last one it settled (<see cref="BatchSummary.Through"/>). That spares the engine's
/// round trip between two batches of a lane (an orchestration replay and two queue hops, longer than a lane's turn at a
/// destination's full rate), while only one batch of a lane is ever in flight. A later batch that fails ends the run of
/// the lane there, its progress kept; the workflow then sends it as a batch of its own, with the engine's retries.
/// </para>
/// </summary>
public sealed partial class SendBatchActivity : IWorkflowActivity<SendBatchInput, BatchSummary>
{
    /// <summary>How long one activity goes on with its lane's next batches before it hands back to the workflow.</summary>
    public static readonly TimeSpan LaneBudget = TimeSpan.FromSeconds(10);

    private readonly ISyncStore _store;
    private readonly IDestinationRegistry _destinations;
    private readonly RunRecords _runs;
    private readonly TimeProvider _time;
    private readonly ILogger<SendBatchActivity> _logger;

    /// <summary>Creates the activity.</summary>
    public SendBatchActivity(ISyncStore store, IDestinationRegistry destinations, RunRecords runs, TimeProvider time, ILogger<SendBatchActivity> logger)
    {
        _store = store;
        _destinations = destinations;
        _runs = runs;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sends one batch, and then the lane's next ones within <see cref="LaneBudget"/>.</summary>
    public async Task<BatchSummary> RunAsync(SendBatchInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = _time.GetTimestamp();
        var target = new Target();
        var first = await SendAsync(input.RunId, input.BatchNumber, input.Lanes, target, cancellationToken);
        if (input.Lanes <= 0 || target.Plan is not { } plan)
        {
            return first;
        }

        var through = input.BatchNumber;
        for (var next = input.BatchNumber + input.Lanes;
             next < plan.BatchCount && _time.GetElapsedTime(started) < LaneBudget && !cancellationToken.IsCancellationRequested;
             next += input.Lanes)
        {
            try
            {
                await SendAsync(input.RunId, next, input.Lanes, target, cancellationToken);
                through = next;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The batch keeps what it recorded; the workflow sends it next, on its own, with the engine's retries.
                LogLaneStopped(input.RunId, next, ex.GetType().Name);
                break;
            }
        }

        return through > input.BatchNumber ? first with { Through = through } : first;
    }

    // Sends one batch; the run's plan, sync, destination and connector are read once for all the batches of an activity,
    // and with lanes the lane's next batch is read while this one sends, so the lane's next turn finds it ready.
    private async Task<BatchSummary> SendAsync(string runId, int number, int lanes, Target target, CancellationToken cancellationToken)
    {
        var read = target.Upcoming is { } upcoming && upcoming.Number == number ? upcoming.Read : _store.GetBatchAsync(runId, number, cancellationToken);
        target.Upcoming = null;
        var batch = await read ?? throw new NotFoundException($"batch {number} of run '{runId}' does not exist");
        if (batch.Outcome is { } settled)
        {
            return Summarise(settled);
        }

        if (target.Plan is null)
        {
            var run = (await _runs.GetAsync(runId, cancellationToken)).Value;
            var plan = run.Plan ?? throw new InvalidOperationException($"run '{runId}' has no plan");
            var sync = (await _store.GetSyncAsync(run.SyncId, cancellationToken))?.Value
                ?? throw new NotFoundException($"sync '{run.SyncId}' does not exist");
            var destination = (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value
                ?? throw new NotFoundException($"destination '{sync.DestinationId}' does not exist");
            (target.Plan, target.SyncId, target.Destination, target.Connector) = (plan, sync.Id, destination, _destinations.Resolve(destination.Type));
        }

        var (runPlan, syncId, to, connector) = (target.Plan, target.SyncId!, target.Destination!, target.Connector!);

        // A send that failed partway recorded what the destination had answered for: only the rest is sent again.
        var earlier = batch.Progress;
        var unsettled = Unsettled(batch.Changes.Count, earlier);
        var changes = unsettled.Count == batch.Changes.Count ? batch.Changes : [.. unsettled.Select(i => batch.Changes[i])];

        // The workflow sends the batches in lanes (fewer when there are fewer batches than parallel sends): each lane takes
        // its own moments of the destination's rate.
        var laneCount = SyncWorkflow.Lanes(runPlan);
        if (lanes > 0 && number + lanes < runPlan.BatchCount)
        {
            target.Upcoming = (number + lanes, _store.GetBatchAsync(runId, number + lanes, cancellationToken));
        }

        var delivery = new DeliveryLog();
        var request = new SendRequest(
            syncId, runId, batch.Number, runPlan.ContainerId ?? string.Empty, changes, 1.0 / laneCount, SyncWorkflow.LaneOf(runPlan, batch.Number), runPlan.LearnedRequestsPerSecond, delivery);
        SendResult result;
        try
        {
            result = await connector.SendAsync(to, request, cancellationToken);
        }
        catch (Exception) when (delivery.Count > 0)
        {
            // Keep what landed before the failure, even when the host is stopping: it is the difference between a member
            // the destination holds and one whose delivery is uncertain.
            await _store.SaveBatchProgressAsync(runId, Merge(batch.Number, earlier, unsettled, delivery), CancellationToken.None);
            _logger.BatchPartlySent(runId, batch.Number, delivery.Count, changes.Count);
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
        await _store.SaveBatchOutcomeAsync(runId, outcome, cancellationToken);
        _logger.BatchSent(runId, batch.Number, outcome.Accepted, rejections.Count, outcome.Requests);
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

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Run {RunId} batch {Batch}: sending the lane's next batches stopped at this one ({Error}); the workflow sends it on its own")]
    private partial void LogLaneStopped(string runId, int batch, string error);

    // What an activity's batches share: read with its first unsettled batch.
    private sealed class Target
    {
        public RunPlan? Plan { get; set; }

        public string? SyncId { get; set; }

        public DestinationDefinition? Destination { get; set; }

        public IDestinationConnector? Connector { get; set; }

        public (int Number, Task<BatchRecord?> Read)? Upcoming { get; set; }
    }
}
