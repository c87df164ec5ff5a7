using System.Collections.Frozen;
using System.Globalization;
using CohortSync.Core.Runs;

namespace CohortSync.LocalHost.Cli;

/// <summary>
/// The command's exit codes (the README's table of run statuses lists them). 0 means the destination is in step: the run
/// completed, or it was a dry run. A run that ended otherwise has a code of its own, higher the worse, so that the demo,
/// which runs several syncs, exits with the worst.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The run completed, or the command had nothing to run.</summary>
    public const int Success = 0;

    /// <summary>The command failed before or while following a run: bad input, an unknown sync, an unreadable file.</summary>
    public const int CommandFailed = 1;

    /// <summary>No storage is configured.</summary>
    public const int NoStorage = 2;

    /// <summary>The exit code of a run that ended (or stopped, waiting for approval) with each status.</summary>
    public static FrozenDictionary<RunStatus, int> ByStatus { get; } = new Dictionary<RunStatus, int>
    {
        [RunStatus.Completed] = Success,
        [RunStatus.DryRunCompleted] = Success,
        [RunStatus.AwaitingApproval] = 3,
        [RunStatus.CompletedWithRejections] = 4,
        [RunStatus.Rejected] = 5,
        [RunStatus.PartlyFailed] = 6,
        [RunStatus.Failed] = 7,

        // The command follows a run until it ends or waits for approval, so it never returns with these; if it did, the
        // run would not have finished.
        [RunStatus.Pending] = CommandFailed,
        [RunStatus.Sending] = CommandFailed,
    }.ToFrozenDictionary();

    /// <summary>The codes of the statuses a run can end with, for the command's help: <c>0 Completed, DryRunCompleted; 3 AwaitingApproval; ...</c>.</summary>
    public static string Summary { get; } = string.Join(
        "; ",
        ByStatus.Where(s => s.Key is not (RunStatus.Pending or RunStatus.Sending))
            .GroupBy(s => s.Value)
            .OrderBy(g => g.Key)
            .Select(g => g.Key.ToString(CultureInfo.InvariantCulture) + " " + string.Join(", ", g.Select(s => s.Key).Order())));

    /// <summary>The exit code for a run that ended with <paramref name="status"/>.</summary>
    public static int Of(RunStatus status) => ByStatus.TryGetValue(status, out var code) ? code : CommandFailed;
}
