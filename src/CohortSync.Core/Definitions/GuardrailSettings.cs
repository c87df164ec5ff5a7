namespace CohortSync.Core.Definitions;

/// <summary>
/// The removal guardrail: a run whose removals exceed <see cref="MaxRemovalFraction"/> of a baseline of at least
/// <see cref="MinBaseline"/> members is held until approved.
/// </summary>
/// <param name="Enabled">Whether the guardrail applies.</param>
/// <param name="MaxRemovalFraction">The largest share of the baseline a run may remove unheld. Default 0.2.</param>
/// <param name="MinBaseline">The smallest baseline the guardrail applies to. Default 1,000.</param>
public sealed record GuardrailSettings(bool Enabled = true, double MaxRemovalFraction = 0.2, int MinBaseline = 1000)
{
    /// <summary>The defaults.</summary>
    public static GuardrailSettings Default { get; } = new();

    /// <summary>True when removing <paramref name="removals"/> of <paramref name="baseline"/> members must wait for approval.</summary>
    public bool Holds(int baseline, int removals) =>
        Enabled && baseline >= MinBaseline && removals > (decimal)MaxRemovalFraction * baseline;
}
