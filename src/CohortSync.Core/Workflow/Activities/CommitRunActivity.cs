using System.Globalization;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Commit: the new baseline is the old one plus accepted adds and updates minus accepted removes. Rejected members are
/// counted with their reasons. Of a batch that failed, the changes the destination answered for before the failure are
/// applied like any others, and the rest are kept in the baseline as uncertain, so the next run sends each again (an add
/// while the member is in the cohort, a remove once it is not) and no member is left behind at the destination. Writes the
/// run report and releases the sync. Idempotent: a finished run is returned as it is, and the baseline applies a run's
/// changes once.
/// </summary>
public sealed class CommitRunActivity : IWorkflowActivity<CommitRunInput, RunResult>
{
    private readonly ISyncStore _store;
    private readonly BaselineRepository _baselines;
    private readonly RunRecords _runs;
    private readonly ILogger<CommitRunActivity> _logger;

    /// <summary>Creates the activity.</summary>
    public CommitRunActivity(ISyncStore store, BaselineRepository baselines, RunRecords runs, ILogger<CommitRunActivity> logger)
    {
        _store = store;
        _baselines = baselines;
        _runs = runs;
        _logger = logger;
    }

    /// <summary>Commits a run.</summary>
    public async Task<RunResult> RunAsync(CommitRunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = (await _runs.GetAsync(input.RunId, cancellationToken)).Value;
        if (run.Status.IsTerminal())
        {
            return new RunResult(run.RunId, run.Status);
        }

        RunRecord finished;
        if (input.Rejected)
        {
            finished = await _runs.FinishAsync(run.RunId, r => r with { Status = RunStatus.Rejected }, cancellationToken);
        }
        else if (run.Export?.State == ExportState.Unchanged)
        {
            var note = $"cohort unchanged: the source has not recomputed it since {run.Export.ComputedAt:u}; nothing downloaded or sent";
            var baseline = await _baselines.CountAsync(run.SyncId, cancellationToken);
            finished = await _runs.FinishAsync(
                run.RunId,
                r => r with
                {
                    Status = RunStatus.Completed,
                    Plan = new RunPlan { Notes = [note], Baseline = baseline.Members + baseline.Uncertain },
                    Outcome = new RunOutcome { BaselineAfter = baseline.Members, UncertainAfter = baseline.Uncertain },
                },
                cancellationToken);
        }
        else if (run.Mode == RunMode.DryRun)
        {
            finished = await _runs.FinishAsync(run.RunId, r => r with { Status = RunStatus.DryRunCompleted }, cancellationToken);
        }
        else
        {
            var outcome = await CommitBatchesAsync(run, cancellationToken);
            var error = outcome.FailedBatches == 0
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"{outcome.FailedBatches} batch(es) failed after retries; {outcome.Failed} of their changes did not settle and are sent again by the next run");
            finished = await _runs.FinishAsync(run.RunId, r => r with { Status = RunStatuses.Of(outcome), Outcome = outcome, Error = error }, cancellationToken);

            // Only a run that left nothing pending may mark the export as synced: otherwise "unchanged" would skip the retry.
            if (outcome.FailedBatches == 0 && run.Export?.ComputedAt is { } computedAt)
            {
                await RecordExportAsync(run.SyncId, computedAt, cancellationToken);
            }
        }

        _logger.RunFinished(finished.RunId, finished.Status);
        return new RunResult(finished.RunId, finished.Status);
    }

    private Task RecordExportAsync(string syncId, DateTimeOffset computedAt, CancellationToken cancellationToken) =>
        _store.UpdateSyncStateAsync(syncId, state => state with { LastExportComputedAt = computedAt }, cancellationToken);

    private async Task<RunOutcome> CommitBatchesAsync(RunRecord run, CancellationToken cancellationToken)
    {
        // Batches are read one at a time and the accepted changes encoded as they come: a first sync of millions of
        // members never holds them all as strings.
        var accepted = new ChangeSetWriter();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        int acceptedCount = 0, rejected = 0, failed = 0, failedBatches = 0;
        var planned = run.Plan?.BatchCount ?? int.MaxValue;
        double? learned = null; // the credential's rate the last batch to report one had learned
        int? dataPoints = null;
        var skipReasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var skipped = 0;
        await foreach (var batch in _store.ReadBatchesAsync(run.RunId, cancellationToken))
        {
            // A Prepare that was interrupted and ran again on a changed source may have left rows past the plan: not this run's.
            if (batch.Number >= planned)
            {
                continue;
            }

            // A batch that failed: what the destination answered for before the failure is applied, the rest is uncertain.
            var settled = batch.Outcome is null ? batch.Progress?.Settled.ToHashSet() ?? [] : null;
            failedBatches += settled is null ? 0 : 1;
            var refused = (batch.Outcome?.Rejections ?? batch.Progress?.Rejections ?? []).ToDictionary(r => r.Index, r => r.Reason);
            learned = batch.Outcome?.RequestsPerSecond ?? learned;
            var skips = (batch.Outcome?.Skipped ?? []).ToDictionary(r => r.Index, r => r.Reason);
            dataPoints = batch.Outcome?.DataPoints is { } points ? (dataPoints ?? 0) + points : dataPoints;
            for (var i = 0; i < batch.Changes.Count; i++)
            {
                if (settled is not null && !settled.Contains(i))
                {
                    accepted.AddUncertain(batch.Changes[i]);
                    failed++;
                }
                else if (refused.TryGetValue(i, out var reason))
                {
                    rejected++;
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
                else if (skips.TryGetValue(i, out var skip))
                {
                    // Settled for good without being applied: in the baseline, so it is not sent again, but not accepted.
                    accepted.Add(batch.Changes[i]);
                    skipped++;
                    skipReasons[skip] = skipReasons.GetValueOrDefault(skip) + 1;
                }
                else
                {
                    accepted.Add(batch.Changes[i]);
                    acceptedCount++;
                }
            }
        }

        var after = await _baselines.CommitAsync(run.SyncId, run.RunId, accepted.Finish(), exactDelta: run.Mode == RunMode.Incremental, cancellationToken);
        if (learned is not null)
        {
            await _store.UpdateSyncStateAsync(run.SyncId, s => s with { LearnedRequestsPerSecond = learned }, cancellationToken);
        }

        return new RunOutcome
        {
            Accepted = acceptedCount,
            Rejected = rejected,
            Failed = failed,
            Skipped = skipped,
            SkippedReasons = skipReasons,
            DataPoints = dataPoints,
            FailedBatches = failedBatches,
            RejectReasons = reasons,
            BaselineAfter = after.Members,
            UncertainAfter = after.Uncertain,
        };
    }
}
