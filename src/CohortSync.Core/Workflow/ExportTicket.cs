using System.Text.Json.Serialization;

namespace CohortSync.Core.Workflow;

/// <summary>Where a run's source export stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExportState>))]
public enum ExportState
{
    /// <summary>The source needs no export (a file).</summary>
    NotNeeded,

    /// <summary>The cohort has not been recomputed since the last export the baseline holds: nothing to download or send.</summary>
    Unchanged,

    /// <summary>The export is requested and being prepared by the source.</summary>
    Requested,

    /// <summary>The export is ready to download (or already downloaded and cached).</summary>
    Ready,
}

/// <summary>A run's export: small and serialisable, so it can travel through the workflow.</summary>
/// <param name="State">Where it stands.</param>
/// <param name="CohortId">The source's cohort id.</param>
/// <param name="RequestId">The source's export request id.</param>
/// <param name="ComputedAt">When the source last computed the cohort (the export's version).</param>
/// <param name="RequestedAt">When the export was requested.</param>
/// <param name="Deadline">When to give up waiting for it.</param>
/// <param name="Shared">True when another sync's export of the same cohort is reused.</param>
/// <param name="FirstPollDelay">How long to wait before the first poll (it doubles after each), when the source suggests it.</param>
public sealed record ExportTicket(
    ExportState State,
    string? CohortId = null,
    string? RequestId = null,
    DateTimeOffset? ComputedAt = null,
    DateTimeOffset? RequestedAt = null,
    DateTimeOffset? Deadline = null,
    bool Shared = false,
    TimeSpan? FirstPollDelay = null)
{
    /// <summary>The ticket of a source that needs no export.</summary>
    public static ExportTicket NotNeeded { get; } = new(ExportState.NotNeeded);
}
