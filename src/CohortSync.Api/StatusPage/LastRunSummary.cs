using CohortSync.Core.Runs;

namespace CohortSync.Api.StatusPage;

/// <summary>A sync's last finished run, in brief.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Mode">Incremental, full or dry run.</param>
/// <param name="FinishedAt">When it ended (its last update when no end time was recorded).</param>
public sealed record LastRunSummary(string RunId, RunStatus Status, RunMode Mode, DateTimeOffset FinishedAt);
