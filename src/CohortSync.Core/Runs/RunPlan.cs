namespace CohortSync.Core.Runs;

/// <summary>What Prepare found and stored: counts only.</summary>
public sealed record RunPlan
{
    /// <summary>Members read from the source.</summary>
    public int Members { get; init; }

    /// <summary>Members whose key appeared before (dropped, counted).</summary>
    public int Duplicates { get; init; }

    /// <summary>Members with no usable identifier.</summary>
    public int Unmatched { get; init; }

    /// <summary>Members the destination would refuse (invalid email, over-long id, ...): never sent.</summary>
    public int Invalid { get; init; }

    /// <summary>Unmatched and invalid members by reason.</summary>
    public IReadOnlyDictionary<string, int> SkipReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Members in the baseline before the run.</summary>
    public int Baseline { get; init; }

    /// <summary>Members to add.</summary>
    public int Adds { get; init; }

    /// <summary>Members to remove.</summary>
    public int Removes { get; init; }

    /// <summary>Members whose carried fields changed.</summary>
    public int Updates { get; init; }

    /// <summary>Stored batches.</summary>
    public int BatchCount { get; init; }

    /// <summary>Batches to send at once.</summary>
    public int MaxParallelSends { get; init; } = 4;

    /// <summary>True when the guardrail holds the run.</summary>
    public bool Guarded { get; init; }

    /// <summary>The destination container (list, cohort, tag) id.</summary>
    public string? ContainerId { get; init; }

    /// <summary>Notes for people (for example that Braze never creates users).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The credential's rate earlier runs learned (<see cref="Ports.SyncState.LearnedRequestsPerSecond"/>), which the sends start near.</summary>
    public double? LearnedRequestsPerSecond { get; init; }
}
