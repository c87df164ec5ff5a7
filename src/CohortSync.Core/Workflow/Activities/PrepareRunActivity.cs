using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>
/// Prepare: read the cohort, resolve each member's key, build the snapshot, diff it against the baseline, store the
/// batches and return a small plan. Idempotent per run: a prepared run returns its stored plan. A malformed source fails
/// before anything is written.
/// </summary>
public sealed class PrepareRunActivity : IWorkflowActivity<RunInput, RunPlan>
{
    private const int BatchRawBytes = 384 * 1024;

    // Sends the workflow runs at once; each gets 1/ParallelSends of the destination's rate limit.
    private const int ParallelSends = 8;
    private const int DefaultBatchSize = 1000;

    // Changes held as strings before batches are stored as they come (about 10 MB of them).
    private const int SpillChanges = 65_536;
    private readonly ISyncStore _store;
    private readonly BaselineRepository _baselines;
    private readonly IMemberSourceFactory _sources;
    private readonly IDestinationRegistry _destinations;
    private readonly RunRecords _runs;
    private readonly ILogger<PrepareRunActivity> _logger;

    /// <summary>Creates the activity.</summary>
    public PrepareRunActivity(
        ISyncStore store,
        BaselineRepository baselines,
        IMemberSourceFactory sources,
        IDestinationRegistry destinations,
        RunRecords runs,
        ILogger<PrepareRunActivity> logger)
    {
        _store = store;
        _baselines = baselines;
        _sources = sources;
        _destinations = destinations;
        _runs = runs;
        _logger = logger;
    }

    /// <summary>Prepares a run.</summary>
    public async Task<RunPlan> RunAsync(RunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = await _runs.GetAsync(input.RunId, cancellationToken);
        if (run.Value.Plan is not null)
        {
            return run.Value.Plan;
        }

        var sync = (await _store.GetSyncAsync(input.SyncId, cancellationToken))?.Value
            ?? throw new NotFoundException($"sync '{input.SyncId}' does not exist");
        var destination = (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value
            ?? throw new NotFoundException($"destination '{sync.DestinationId}' of sync '{sync.Id}' does not exist");
        var connector = _destinations.Resolve(destination.Type);
        var capabilities = connector.Describe(destination);
        var chain = sync.BuildChain();
        var unsupported = chain.Mappings.Select(m => m.Kind).Where(k => !capabilities.KeyKinds.Contains(k)).Distinct().ToList();
        if (unsupported.Count > 0)
        {
            throw new ValidationException($"destination type '{destination.Type}' does not take keys of kind {string.Join(", ", unsupported)}");
        }

        // The stored baseline, compressed (about 10 bytes a member): its manifest sizes the builder; its segments are read
        // from storage while this thread parses the cohort, and streamed through the diff below, never decoded whole.
        var reading = await _baselines.BeginReadAsync(sync.Id, cancellationToken);
        StoredBaseline baseline;
        CohortPacker.Result packed;
        try
        {
            // Read, resolve and validate every member before anything is written.
            using (var members = await _sources.OpenAsync(sync.Source, chain.SourceFields.ToList(), run.Value.Export, cancellationToken))
            {
                packed = await CohortPacker.PackAsync(members, chain, connector, reading.MemberCount, cancellationToken);
            }

            baseline = await reading.Segments;
        }
        catch
        {
            await ((Task)reading.Segments).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        var (builder, skipReasons, total, unmatched, invalid, columns) = packed;
        CheckFit(chain, columns, total, unmatched);
        var current = builder.BuildPacked();
        var dryRun = input.Mode == RunMode.DryRun;
        var batchSize = Math.Clamp(sync.BatchSize ?? capabilities.PreferredBatchSize ?? DefaultBatchSize, 1, capabilities.MaxBatchSize);
        var full = input.Mode == RunMode.Full;
        int adds = 0, removes = 0, updates = 0, baselineCount, batchCount = 0;
        string? containerId = null;
        double? learned = null;
        using (var cursor = baseline.Open())
        {
            if (dryRun)
            {
                (adds, removes, updates) = SnapshotDiff.Compute(cursor, current, full, changes: null);
            }
            else
            {
                // Changes are cut into batches and stored as they come once there are many (a first sync of millions), so
                // at most SpillChanges of them are held as strings; fewer are cut evenly at the end.
                var pending = new List<SnapshotChange>();
                foreach (var change in SnapshotDiff.Compute(cursor, current, full))
                {
                    switch (change.Kind)
                    {
                        case ChangeKind.Add: adds++; break;
                        case ChangeKind.Remove: removes++; break;
                        default: updates++; break;
                    }

                    pending.Add(change);
                    if (pending.Count >= SpillChanges)
                    {
                        if (containerId is null)
                        {
                            (containerId, learned) = await EnsureContainerAsync(connector, destination, sync, cancellationToken);
                        }

                        var spilled = Cut(input.RunId, pending, batchCount, _ => batchSize, keepTail: true);
                        await _store.SaveBatchesAsync(input.RunId, spilled, cancellationToken);
                        batchCount += spilled.Count;
                    }
                }

                if (containerId is null)
                {
                    (containerId, learned) = await EnsureContainerAsync(connector, destination, sync, cancellationToken);
                }

                var last = batchCount == 0 ? Cut(input.RunId, pending, 0, EvenSizes(pending.Count, batchSize), keepTail: false)
                    : Cut(input.RunId, pending, batchCount, _ => batchSize, keepTail: false);
                await _store.SaveBatchesAsync(input.RunId, last, cancellationToken);
                batchCount += last.Count;
            }

            baselineCount = cursor.Yielded;
        }

        var guarded = sync.Guardrail.Holds(baselineCount, removes);
        var plan = new RunPlan
        {
            Members = total,
            Duplicates = builder.Duplicates,
            Unmatched = unmatched,
            Invalid = invalid,
            SkipReasons = skipReasons,
            Baseline = baselineCount,
            Adds = adds,
            Removes = removes,
            Updates = updates,
            BatchCount = batchCount,
            MaxParallelSends = ParallelSends,
            Guarded = guarded,
            ContainerId = containerId,
            Notes = capabilities.Notes,
            LearnedRequestsPerSecond = learned,
        };

        var stored = await _runs.UpdateAsync(
            input.RunId,
            r => r.Plan is not null ? null : r with
            {
                Plan = plan,
                Status = dryRun ? r.Status : guarded ? RunStatus.AwaitingApproval : RunStatus.Sending,
            },
            cancellationToken);
        _logger.RunPrepared(input.RunId, total, adds, removes, updates, unmatched, invalid, batchCount, guarded);
        return stored.Plan!;
    }

    // Returns the container and, from the same read of the sync's state, the rate its last runs learned.
    private async Task<(string ContainerId, double? Learned)> EnsureContainerAsync(
        IDestinationConnector connector, Definitions.DestinationDefinition destination, Definitions.SyncDefinition sync, CancellationToken cancellationToken)
    {
        var state = (await _store.GetSyncStateAsync(sync.Id, cancellationToken))?.Value;
        var existing = state?.ContainerId;
        var request = new ContainerRequest(sync.Id, sync.Source.CohortName ?? sync.Name, existing, sync.CreatedAt);
        var containerId = await connector.EnsureContainerAsync(destination, request, cancellationToken);
        if (!string.Equals(existing, containerId, StringComparison.Ordinal))
        {
            await _store.UpdateSyncStateAsync(sync.Id, s => s with { ContainerId = containerId }, cancellationToken);
        }

        return (containerId, state?.LearnedRequestsPerSecond);
    }

    // Batch sizes when all the changes are known: at most batchSize, evenly; when there are more batches than parallel
    // sends, their number is a multiple of the sends, so the last wave is as full as the others and no send slot idles
    // (or, for Pushwoosh, sends a small remainder one member at a time). Sizes differ by one at most.
    private static Func<int, int> EvenSizes(int changes, int batchSize)
    {
        if (changes == 0)
        {
            return _ => batchSize;
        }

        var count = (changes + batchSize - 1) / batchSize;
        if (count > ParallelSends)
        {
            count = (count + ParallelSends - 1) / ParallelSends * ParallelSends;
        }

        count = Math.Min(count, changes);
        return number => (changes / count) + (number < changes % count ? 1 : 0);
    }

    // Cuts changes into batches numbered from firstNumber, each of at most size(number) changes and BatchRawBytes, and
    // removes them from the list; with keepTail the last, possibly unfilled, batch stays in the list for the next cut.
    private static List<BatchRecord> Cut(string runId, List<SnapshotChange> changes, int firstNumber, Func<int, int> size, bool keepTail)
    {
        var batches = new List<BatchRecord>();
        var batch = new List<SnapshotChange>();
        int bytes = 0, taken = 0;
        foreach (var change in changes)
        {
            var length = 16 + ((change.Entry.Key.Length + (change.Entry.Payload?.Length ?? 0)) * 3);
            if (batch.Count > 0 && (batch.Count >= size(firstNumber + batches.Count) || bytes + length > BatchRawBytes))
            {
                batches.Add(new BatchRecord { RunId = runId, Number = firstNumber + batches.Count, Changes = batch });
                taken += batch.Count;
                batch = [];
                bytes = 0;
            }

            batch.Add(change);
            bytes += length;
        }

        if (batch.Count > 0 && !keepTail)
        {
            batches.Add(new BatchRecord { RunId = runId, Number = firstNumber + batches.Count, Changes = batch });
            taken += batch.Count;
        }

        changes.RemoveRange(0, taken);
        return batches;
    }

    /// <summary>
    /// Fails the run when the cohort does not fit the sync, before anything is planned or written: a field of the identifier
    /// chain or a carried field that is not a column of the cohort (named, with the columns there are; never a member's
    /// value), or a chain that matches no member of a non-empty cohort.
    /// </summary>
    internal static void CheckFit(IdentifierChain chain, MemberSchema? columns, int total, int unmatched)
    {
        if (total == 0 || columns is null)
        {
            return;
        }

        var missing = chain.SourceFields.Where(f => columns.IndexOf(f) < 0).ToList();
        if (missing.Count > 0)
        {
            const int Shown = 40;
            var shown = string.Join(", ", columns.Columns.Take(Shown)) + (columns.Columns.Count > Shown ? $", ... ({columns.Columns.Count} in all)" : string.Empty);
            throw new ValidationException(
                $"the cohort has no column {string.Join(", ", missing.Select(f => $"'{f}'"))}, which the sync's identifiers or carried fields read; "
                + $"its columns are: {shown}");
        }

        if (unmatched == total)
        {
            throw new ValidationException(
                $"no member of the cohort ({total:N0}) has a value for any field of the identifier chain "
                + $"({string.Join(", ", chain.Mappings.Select(m => $"'{m.SourceField}'"))}): check the sync's identifiers");
        }
    }
}
