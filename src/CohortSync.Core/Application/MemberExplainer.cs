using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Application;

/// <summary>Explains a member by looking at the baseline and the batches of the sync's recent runs.</summary>
public sealed class MemberExplainer
{
    private const int RunsToExamine = 20;
    private readonly ISyncStore _store;
    private readonly BaselineRepository _baselines;

    /// <summary>Creates the explainer.</summary>
    public MemberExplainer(ISyncStore store, BaselineRepository baselines)
    {
        _store = store;
        _baselines = baselines;
    }

    /// <summary>Explains one member, identified by its destination key.</summary>
    public async Task<MemberExplanation> ExplainAsync(string syncId, DestinationKey key, CancellationToken cancellationToken = default)
    {
        _ = await _store.GetSyncAsync(syncId, cancellationToken) ?? throw new NotFoundException($"sync '{syncId}' does not exist");
        var encoded = key.Encode();
        var label = $"{key.Kind}{(key.Label is null ? string.Empty : "(" + key.Label + ")")}";
        var inBaseline = await _baselines.ContainsAsync(syncId, encoded, cancellationToken);
        var runs = await _store.ListRunsAsync(syncId, RunsToExamine, cancellationToken);
        foreach (var run in runs.Where(r => r.Plan is { BatchCount: > 0 }))
        {
            foreach (var batch in await _store.ListBatchesAsync(run.RunId, cancellationToken))
            {
                var index = IndexOf(batch.Changes, encoded);
                if (index < 0)
                {
                    continue;
                }

                var operation = batch.Changes[index].Kind.ToString().ToLowerInvariant();
                if (batch.Outcome is null)
                {
                    var pending = run.Status.IsTerminal() ? "its batch failed after retries; it stays pending for the next run" : "its batch has not been sent yet";
                    return new MemberExplanation(label, inBaseline, operation, run.RunId, run.Status.IsTerminal() ? "failed" : "not sent", pending, runs.Count);
                }

                var rejection = batch.Outcome.Rejections.FirstOrDefault(r => r.Index == index);
                return rejection is null
                    ? new MemberExplanation(label, inBaseline, operation, run.RunId, "accepted", null, runs.Count)
                    : new MemberExplanation(label, inBaseline, operation, run.RunId, "rejected", rejection.Reason, runs.Count);
            }
        }

        var hint = inBaseline
            ? "in the baseline since before the runs examined"
            : "not in the baseline and not sent by the runs examined: the member may not be in the cohort, may have no usable identifier (see the runs' unmatched counts), or may have been refused before sending (see the runs' skip reasons)";
        return new MemberExplanation(label, inBaseline, null, null, "not sent", hint, runs.Count);
    }

    private static int IndexOf(IReadOnlyList<SnapshotChange> changes, string key)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            if (string.Equals(changes[i].Entry.Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
