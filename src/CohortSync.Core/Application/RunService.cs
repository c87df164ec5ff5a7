using System.Security.Cryptography;
using CohortSync.Core.Errors;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Application;

/// <summary>
/// Starts runs, reports their progress and takes approval decisions. The one application service both hosts (Functions
/// and LocalHost) call. A sync holds at most one run: the start that wins the sync's state (by ETag) starts it; every
/// other start gets the run already under way.
/// </summary>
public sealed class RunService
{
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(1);
    private readonly ISyncStore _store;
    private readonly IWorkflowEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger<RunService> _logger;
    private readonly IEnumerable<ICohortExporter> _exporters;
    private readonly SourceProbes _probes;
    private readonly NotificationOptions _notifications;

    /// <summary>Creates the service; <paramref name="probes"/> read each run's source version for its record.</summary>
    /// <param name="store">The state store.</param>
    /// <param name="engine">The workflow engine.</param>
    /// <param name="exporters">The sources that export first.</param>
    /// <param name="probes">The source probes.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="notifications">The notification defaults every sync has (null: none).</param>
    public RunService(
        ISyncStore store,
        IWorkflowEngine engine,
        IEnumerable<ICohortExporter> exporters,
        SourceProbes probes,
        TimeProvider time,
        ILogger<RunService> logger,
        NotificationOptions? notifications = null)
    {
        _notifications = notifications ?? new NotificationOptions();
        _exporters = exporters;
        _probes = probes;
        _store = store;
        _engine = engine;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts a run of a sync, unless one is under way (then returns that one).</summary>
    /// <param name="syncId">The sync.</param>
    /// <param name="mode">Incremental, full or dry run.</param>
    /// <param name="slot">The schedule slot for a scheduled run; null for a manual one.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<StartRunResult> StartAsync(string syncId, RunMode mode, DateTimeOffset? slot = null, CancellationToken cancellationToken = default)
    {
        var sync = (await _store.GetSyncAsync(syncId, cancellationToken))?.Value ?? throw new NotFoundException($"sync '{syncId}' does not exist");
        var exportFirst = _exporters.Any(e => e.Serves(sync.Source));
        var now = _time.GetUtcNow();
        var runId = slot is null ? RunIds.ForManual(syncId, now, RandomNumberGenerator.GetInt32(0x10000)) : RunIds.ForSlot(syncId, slot.Value);

        // Read before the run reads its members, so a change made later shows as a new version at the next check. An
        // exporting source's version is its export's computation time, which the run learns itself.
        var sourceVersion = exportFirst ? null : await _probes.GetSourceVersionAsync(sync, cancellationToken);
        SyncState? pendingClaim = null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var current = await _store.GetSyncStateAsync(syncId, cancellationToken);
            var state = current?.Value ?? new SyncState { SyncId = syncId };
            if (slot is not null && state.LastScheduledSlot >= slot)
            {
                var existing = await _store.GetRunAsync(runId, cancellationToken);
                if (existing is not null)
                {
                    return new StartRunResult(existing.Value, false);
                }
            }

            if (state.ActiveRunId is not null)
            {
                var active = await _store.GetRunAsync(state.ActiveRunId, cancellationToken);
                if (active is not null && !active.Value.Status.IsTerminal())
                {
                    _logger.RunAlreadyActive(syncId, active.Value.RunId);
                    return new StartRunResult(active.Value, false);
                }

                if (active is null && current is not null && IsYoungClaim(state, _time.GetUtcNow()))
                {
                    // The holder claimed the sync a moment ago and is writing its run record: give it time, then look again.
                    pendingClaim = state;
                    await Task.Delay(ClaimWait(attempt), _time, cancellationToken);
                    continue;
                }
            }

            pendingClaim = null;
            var claimed = state with { ActiveRunId = runId, ClaimedAt = now, LastScheduledSlot = slot ?? state.LastScheduledSlot };
            try
            {
                await _store.SaveSyncStateAsync(claimed, current?.ETag, cancellationToken);
            }
            catch (ConcurrencyException)
            {
                await Task.Yield();
                continue;
            }

            var run = new RunRecord
            {
                RunId = runId,
                SyncId = syncId,
                Trigger = slot is null ? "manual" : "schedule",
                Mode = mode,
                ExportFirst = exportFirst,
                Notify = NotifyRunActivity.TargetsOf(sync, _notifications).Count > 0,
                SourceVersion = sourceVersion,
                SyncFingerprint = SourceVersions.Fingerprint(sync),
                Status = RunStatus.Pending,
                CreatedAt = now,
                UpdatedAt = now,
            };
            await _store.SaveRunAsync(run, null, cancellationToken);
            _logger.RunStarted(runId, syncId, run.Trigger, mode);
            await _engine.StartAsync(new RunInput(runId, syncId, mode, exportFirst, run.Notify), cancellationToken);
            return new StartRunResult(run, true);
        }

        throw new ConcurrencyException(pendingClaim is null
            ? $"could not start a run of sync '{syncId}': too many concurrent starts"
            : $"could not start a run of sync '{syncId}': another start claimed it{(pendingClaim.ClaimedAt is { } at ? $" at {at:u}" : string.Empty)} and has not written its run; "
                + "if that process stopped, the sync is free again a minute after the claim");
    }

    /// <summary>Reads a run and its progress.</summary>
    public async Task<RunProgress> GetProgressAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await _store.GetRunAsync(runId, cancellationToken) ?? throw new NotFoundException($"run '{runId}' does not exist");
        var settled = run.Value.Plan is { BatchCount: > 0 } ? await _store.CountSettledBatchesAsync(runId, cancellationToken) : 0;
        return new RunProgress(run.Value, settled);
    }

    /// <summary>Approves or rejects a run held by the guardrail.</summary>
    public async Task<RunRecord> DecideAsync(string runId, bool approve, string? by, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await _store.GetRunAsync(runId, cancellationToken) ?? throw new NotFoundException($"run '{runId}' does not exist");
            if (current.Value.Status != RunStatus.AwaitingApproval || current.Value.Decision is not null)
            {
                throw new ValidationException(new Dictionary<string, string[]>
                {
                    ["runId"] = [$"run '{runId}' is {current.Value.Status}, not awaiting approval"],
                });
            }

            var decision = new RunDecision(approve, by, _time.GetUtcNow());
            try
            {
                await _store.SaveRunAsync(current.Value with { Decision = decision, UpdatedAt = decision.At }, current.ETag, cancellationToken);
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
                continue;
            }

            await _engine.RaiseDecisionAsync(runId, decision, cancellationToken);
            return current.Value with { Decision = decision };
        }
    }

    // Between 10 ms and a quarter of a second: about 4 s over all the attempts, far more than writing one record takes.
    private static TimeSpan ClaimWait(int attempt) => TimeSpan.FromMilliseconds(Math.Min(250, 10 << Math.Min(attempt, 5)));

    // A claim less than a minute old whose run record is not there yet belongs to a start still in progress; an older one
    // is a crash between claim and record, and may be taken over. States written before ClaimedAt existed fall back to the
    // time in a manual run id.
    private static bool IsYoungClaim(SyncState state, DateTimeOffset now)
    {
        if (state.ClaimedAt is { } claimedAt)
        {
            return now - claimedAt < ClaimTimeout;
        }

        var parts = state.ActiveRunId!.Split('.');
        if (parts.Length < 2 || !DateTime.TryParseExact(
                parts[1].Length > 15 ? parts[1][..15] : parts[1],
                "yyyyMMdd'T'HHmmss",
                System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal,
                out var at))
        {
            return false;
        }

        return parts[^1].StartsWith('m') && now - new DateTimeOffset(at, TimeSpan.Zero) < ClaimTimeout;
    }
}
