using CohortSync.Core.Identity;

namespace CohortSync.Core.Definitions;

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

    /// <summary>
    /// Where its runs' notifications go (besides the configured defaults, <see cref="Notifications.NotificationOptions.Defaults"/>);
    /// null for none. Not part of the definition's fingerprint: editing them does not make the next scheduled run happen.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Notifications.NotificationTarget>? Notifications { get; init; }

    /// <summary>When it was created (the first slot of a <c>once</c> cadence).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Builds the identifier chain.</summary>
    public IdentifierChain BuildChain() => new(Identifiers, Carry);
}
