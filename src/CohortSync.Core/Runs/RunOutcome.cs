namespace CohortSync.Core.Runs;

/// <summary>What Commit recorded.</summary>
public sealed record RunOutcome
{
    /// <summary>Changes the destination accepted (now in the baseline).</summary>
    public int Accepted { get; init; }

    /// <summary>Changes the destination refused, with reasons below.</summary>
    public int Rejected { get; init; }

    /// <summary>Changes whose batch failed after retries before the destination answered for them: pending for the next
    /// run, which sends each again (see <see cref="UncertainAfter"/>).</summary>
    public int Failed { get; init; }

    /// <summary>Changes the destination settled without applying, for good (a user Iterable has forgotten): kept in the
    /// baseline so they are not sent again, counted apart from accepted and rejected ones.</summary>
    public int Skipped { get; init; }

    /// <summary>Skipped changes by reason.</summary>
    public IReadOnlyDictionary<string, int> SkippedReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Rejections by reason.</summary>
    public IReadOnlyDictionary<string, int> RejectReasons { get; init; } = new Dictionary<string, int>();

    /// <summary>Members the destination holds after the run, as far as CohortSync knows: every change for them settled.</summary>
    public int BaselineAfter { get; init; }

    /// <summary>
    /// Members whose delivery is uncertain after the run (a change for them did not settle, this run or an earlier one):
    /// the next run sends each again, as an add while it is in the cohort and as a remove once it is not, so none is left
    /// behind at the destination.
    /// </summary>
    public int UncertainAfter { get; init; }

    /// <summary>Batches that failed.</summary>
    public int FailedBatches { get; init; }

    /// <summary>Units the vendor bills that the run asked it to write (Braze's data points: one per attribute written; an
    /// id Braze ignores is asked for but not billed), summed over its settled batches; null for a vendor that bills none.</summary>
    public int? DataPoints { get; init; }
}
