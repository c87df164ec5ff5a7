using System.ComponentModel.DataAnnotations;

namespace CohortSync.LocalHost.Runner;

/// <summary>How the local runner executes workflows. Bound from the <c>Runner</c> configuration section.</summary>
public sealed class LocalRunnerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Runner";

    /// <summary>Activities running at once across every run in the process. <value>Default 8.</value></summary>
    [Range(1, 256)]
    public int MaxParallelActivities { get; set; } = 8;

    /// <summary>Retries of a failed activity before the workflow sees the failure. <value>Default 5.</value></summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 5;

    /// <summary>The first retry delay; each later one doubles, with jitter. <value>Default 1 s.</value></summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest retry delay, also the cap on a destination's Retry-After. <value>Default 2 min.</value></summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether to resume unfinished runs when the runner starts. <value>Default true.</value></summary>
    public bool ResumeOnStart { get; set; } = true;
}
