using CohortSync.Core.Runs;

namespace CohortSync.Api.StatusPage;

/// <summary>One sync as the status page lists it: where it sends, how often, how its last run ended and what comes next.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="Name">Its name.</param>
/// <param name="Enabled">False when the scheduler skips it.</param>
/// <param name="Cadence">Its cadence as written (manual, once, minute, hourly, daily, cron:...).</param>
/// <param name="DestinationId">The destination.</param>
/// <param name="DestinationName">The destination's name (null when it no longer exists).</param>
/// <param name="DestinationType">The destination's type (braze, iterable, webhook, ...).</param>
/// <param name="ActiveRunId">The run under way, if any.</param>
/// <param name="ActiveRunStatus">Where that run is (AwaitingApproval when the guardrail holds it).</param>
/// <param name="LastRun">The last run to finish, if any.</param>
/// <param name="NextDue">The next schedule slot: a slot already due when the scheduler has not yet started it; null for a manual or spent once cadence, or a disabled sync.</param>
/// <param name="BaselineSize">Members in the baseline (what the destination holds as far as CohortSync knows); null before the first run.</param>
public sealed record SyncOverview(
    string SyncId,
    string Name,
    bool Enabled,
    string Cadence,
    string DestinationId,
    string? DestinationName,
    string? DestinationType,
    string? ActiveRunId,
    RunStatus? ActiveRunStatus,
    LastRunSummary? LastRun,
    DateTimeOffset? NextDue,
    int? BaselineSize);
