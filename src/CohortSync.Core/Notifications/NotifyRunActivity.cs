using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Notifications;

/// <summary>
/// Notify: sends one event of a run to each of its targets (the sync's own, then the configured defaults) that takes the
/// event, all at once, each with up to <see cref="NotificationOptions.MaxAttempts"/> requests and a doubling wait between
/// them, and records each delivery on the run (<see cref="Runs.RunRecord.Notifications"/>). A target that cannot be reached
/// is recorded as failed; the activity does not throw for it, so neither the engine's retries nor the run's status are
/// touched. Run again (after a crash), it skips the targets already delivered.
/// </summary>
public sealed partial class NotifyRunActivity : IWorkflowActivity<NotifyRunInput, NotifyRunResult>
{
    private readonly ISyncStore _store;
    private readonly RunRecords _runs;
    private readonly INotificationSender _sender;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NotifyRunActivity> _logger;

    /// <summary>Creates the activity.</summary>
    public NotifyRunActivity(ISyncStore store, RunRecords runs, INotificationSender sender, NotificationOptions options, TimeProvider time, ILogger<NotifyRunActivity> logger)
    {
        _store = store;
        _runs = runs;
        _sender = sender;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>The targets of a sync, labelled by their place: <c>sync[i]</c>, then <c>default[i]</c> for the defaults.</summary>
    public static IReadOnlyList<(string Label, NotificationTarget Target)> TargetsOf(SyncDefinition? sync, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (sync?.Notifications ?? []).Select((t, i) => (Label(i, "sync"), t))
            .Concat(options.Defaults.Select((t, i) => (Label(i, "default"), t)))
            .ToList();

        static string Label(int index, string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}[{index}]");
    }

    /// <summary>Sends the event and records how each delivery went.</summary>
    public async Task<NotifyRunResult> RunAsync(NotifyRunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = (await _runs.GetAsync(input.RunId, cancellationToken)).Value;
        var sync = (await _store.GetSyncAsync(run.SyncId, cancellationToken))?.Value;
        var delivered = (run.Notifications ?? []).Where(n => n.Delivered && n.Event == input.Event).Select(n => n.Target).ToHashSet(StringComparer.Ordinal);
        var targets = TargetsOf(sync, _options).Where(t => t.Target.Wants(input.Event) && !delivered.Contains(t.Label)).ToList();
        if (targets.Count == 0)
        {
            return new NotifyRunResult(0, 0, 0);
        }

        var destination = sync is null ? null : (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value;
        var message = NotificationMessage.Build(input.Event, run, sync, destination, _time.GetUtcNow());
        var records = await Task.WhenAll(targets.Select(t => DeliverAsync(t.Label, t.Target, message, cancellationToken)));
        await _runs.UpdateAsync(
            run.RunId,
            r => r with
            {
                Notifications = (r.Notifications ?? [])
                    .Where(n => n.Event != input.Event || !records.Any(d => d.Target == n.Target))
                    .Concat(records)
                    .ToList(),
            },
            cancellationToken);
        var failed = records.Count(r => !r.Delivered);
        return new NotifyRunResult(records.Length, records.Length - failed, failed);
    }

    private async Task<NotificationRecord> DeliverAsync(string label, NotificationTarget target, NotificationMessage message, CancellationToken cancellationToken)
    {
        var delay = _options.FirstRetryDelay;
        var attempts = 0;
        NotificationAttempt last;
        while (true)
        {
            attempts++;
            last = await AttemptAsync(target, message, cancellationToken);
            if (last.Delivered || !last.Retryable || attempts >= _options.MaxAttempts)
            {
                break;
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay *= 2;
        }

        var type = target.Type.ToLowerInvariant();
        if (last.Delivered)
        {
            LogDelivered(message.RunId, message.Event, label, attempts);
        }
        else
        {
            LogUndelivered(message.RunId, message.Event, label, attempts, last.Error);
        }

        return new NotificationRecord(label, type, message.Event, last.Delivered, attempts, _time.GetUtcNow(), last.Error);
    }

    private async Task<NotificationAttempt> AttemptAsync(NotificationTarget target, NotificationMessage message, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _sender.SendAsync(target, message, linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new NotificationAttempt(false, true, string.Create(CultureInfo.InvariantCulture, $"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s"));
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Run {RunId}: {Event} notification delivered to {Target} in {Attempts} attempt(s)")]
    private partial void LogDelivered(string runId, string @event, string target, int attempts);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Run {RunId}: {Event} notification to {Target} not delivered after {Attempts} attempt(s): {Error}")]
    private partial void LogUndelivered(string runId, string @event, string target, int attempts, string? error);
}
