using CohortSync.Core.Runs;

namespace CohortSync.Core.Notifications;

/// <summary>The events a run notifies of, and which event a run's status is.</summary>
public static class NotificationEvents
{
    /// <summary>The run started (sent beside its first step, so it never delays the run).</summary>
    public const string Started = "started";

    /// <summary>The removal guardrail holds the run until someone approves or rejects it.</summary>
    public const string AwaitingApproval = "awaitingApproval";

    /// <summary>The run ended <see cref="RunStatus.Completed"/>.</summary>
    public const string Completed = "completed";

    /// <summary>The run ended <see cref="RunStatus.CompletedWithRejections"/>.</summary>
    public const string CompletedWithRejections = "completedWithRejections";

    /// <summary>The run ended <see cref="RunStatus.PartlyFailed"/>.</summary>
    public const string PartlyFailed = "partlyFailed";

    /// <summary>The run ended <see cref="RunStatus.Failed"/>.</summary>
    public const string Failed = "failed";

    /// <summary>Every event, in the order a run can raise them.</summary>
    public static IReadOnlyList<string> All { get; } = [Started, AwaitingApproval, Completed, CompletedWithRejections, PartlyFailed, Failed];

    /// <summary>
    /// The event a run's status raises, or null for one that raises none: a dry run, a guarded run a person rejected (they
    /// asked for that), and the statuses a run passes through.
    /// </summary>
    public static string? ForStatus(RunStatus status) => status switch
    {
        RunStatus.AwaitingApproval => AwaitingApproval,
        RunStatus.Completed => Completed,
        RunStatus.CompletedWithRejections => CompletedWithRejections,
        RunStatus.PartlyFailed => PartlyFailed,
        RunStatus.Failed => Failed,
        _ => null,
    };

    /// <summary>The event's name as spelled in <see cref="All"/>, or null for an unknown one (names are case-insensitive).</summary>
    public static string? Normalize(string? name) => All.FirstOrDefault(e => string.Equals(e, name, StringComparison.OrdinalIgnoreCase));
}
