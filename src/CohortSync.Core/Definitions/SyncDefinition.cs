using CohortSync.Core.Identity;

namespace CohortSync.Core.Definitions;

/// <summary>Where a sync's members come from.</summary>
/// <param name="Type"><c>file</c> (CSV or JSONL at <paramref name="Location"/>) or <c>amplitude</c> (cohort id in <paramref name="Location"/>).</param>
/// <param name="Location">A file path, or a cohort id.</param>
/// <param name="CohortName">The cohort's display name, used to name the destination's list or cohort.</param>
/// <param name="Settings">Source settings (for Amplitude: <c>region</c>, <c>baseUrl</c>, <c>exportDeadlineMinutes</c>). Never secrets.</param>
/// <param name="SecretName">The secret holding the source's credentials (for Amplitude: <c>api_key:secret_key</c>).</param>
public sealed record SourceDefinition(
    string Type,
    string Location,
    string? CohortName = null,
    IReadOnlyDictionary<string, string>? Settings = null,
    string? SecretName = null)
{
    /// <summary>Reads a setting, or returns the fallback.</summary>
    public string? Setting(string name, string? fallback = null) =>
        Settings is not null && Settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : fallback;
}

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

/// <summary>A sync: one cohort to one destination, with its cadence and identifier mapping.</summary>
public sealed record SyncDefinition
{
    /// <summary>The id: lower-case letters, digits and dashes (it prefixes run ids).</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public required string Name { get; init; }

    /// <summary>The destination's id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>The source of members.</summary>
    public required SourceDefinition Source { get; init; }

    /// <summary>The cadence: <c>once</c>, <c>hourly</c>, <c>daily</c>, <c>minute</c>, <c>manual</c>, or <c>cron:</c> with a 6-field expression.</summary>
    public string Cadence { get; init; } = "manual";

    /// <summary>The identifier chain, in priority order.</summary>
    public required IReadOnlyList<IdentifierMapping> Identifiers { get; init; }

    /// <summary>Source fields carried beside the key.</summary>
    public IReadOnlyList<CarriedField> Carry { get; init; } = [];

    /// <summary>The removal guardrail.</summary>
    public GuardrailSettings Guardrail { get; init; } = GuardrailSettings.Default;

    /// <summary>Changes per batch, capped by the destination's own limit; unset, the destination's preferred size (else 1,000).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Whether the scheduler starts it.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>When it was created (the first slot of a <c>once</c> cadence).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Builds the identifier chain.</summary>
    public IdentifierChain BuildChain() => new(Identifiers, Carry);
}
