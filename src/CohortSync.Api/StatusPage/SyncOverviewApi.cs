using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Scheduling;
using Microsoft.AspNetCore.Http;

namespace CohortSync.Api.StatusPage;

/// <summary>
/// <c>GET api/overview</c>: every sync with its destination, cadence, last run, next due slot and baseline size, in one
/// call, for the status page's list (shared by both hosts, behind the same key as the rest of the API).
/// </summary>
public sealed class SyncOverviewApi
{
    private readonly ISyncStore _store;
    private readonly ISnapshotStore _snapshots;
    private readonly TimeProvider _time;

    /// <summary>Creates the handler.</summary>
    public SyncOverviewApi(ISyncStore store, ISnapshotStore snapshots, TimeProvider time)
    {
        _store = store;
        _snapshots = snapshots;
        _time = time;
    }

    /// <summary>GET overview: the syncs, ordered by id.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken ct)
    {
        var syncs = await _store.ListSyncsAsync(ct);
        var destinations = (await _store.ListDestinationsAsync(ct)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        var states = (await _store.ListSyncStatesAsync(ct)).ToDictionary(s => s.Value.SyncId, s => s.Value, StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        var rows = await Task.WhenAll(syncs.OrderBy(s => s.Id, StringComparer.Ordinal).Select(sync =>
            RowAsync(sync, states.GetValueOrDefault(sync.Id), destinations.GetValueOrDefault(sync.DestinationId), now, ct)));
        return Results.Json(rows, ApiJson.Options);
    }

    /// <summary>
    /// The next slot of a sync's cadence at <paramref name="now"/>: the slot the scheduler would start now if one is due and
    /// not yet started, else the first slot after now; null when the sync is disabled or its cadence has no slot to come.
    /// </summary>
    public static DateTimeOffset? NextDue(SyncDefinition sync, SyncState? state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sync);
        if (!sync.Enabled || !SchedulePlanner.TryGetCadence(sync, out var cadence))
        {
            return null;
        }

        return SchedulePlanner.PendingSlot(cadence, sync, state, now) ?? cadence.NextSlotAfter(now);
    }

    private async Task<SyncOverview> RowAsync(SyncDefinition sync, SyncState? state, DestinationDefinition? destination, DateTimeOffset now, CancellationToken ct)
    {
        var lastTask = state?.LastRunId is { } lastId ? _store.GetRunAsync(lastId, ct) : Task.FromResult<Versioned<Core.Runs.RunRecord>?>(null);
        var activeTask = state?.ActiveRunId is { } activeId ? _store.GetRunAsync(activeId, ct) : Task.FromResult<Versioned<Core.Runs.RunRecord>?>(null);
        var manifestTask = _snapshots.GetManifestAsync(sync.Id, ct);
        var last = (await lastTask)?.Value;
        var active = (await activeTask)?.Value;
        var manifest = (await manifestTask)?.Value;
        return new SyncOverview(
            sync.Id,
            sync.Name,
            sync.Enabled,
            sync.Cadence,
            sync.DestinationId,
            destination?.Name,
            destination?.Type,
            state?.ActiveRunId,
            active?.Status,
            last is null ? null : new LastRunSummary(last.RunId, last.Status, last.Mode, last.FinishedAt ?? last.UpdatedAt),
            NextDue(sync, state, now),
            manifest?.MemberCount);
    }
}
