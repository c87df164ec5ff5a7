namespace CohortSync.Core.Ports;

/// <summary>The outcome of one batch: which changes the destination refused, and why. The rest were accepted.</summary>
public sealed record BatchOutcome
{
    /// <summary>The batch number.</summary>
    public int Number { get; init; }

    /// <summary>Changes accepted.</summary>
    public int Accepted { get; init; }

    /// <summary>Refused changes: position in the batch and reason.</summary>
    public IReadOnlyList<MemberRejection> Rejections { get; init; } = [];

    /// <summary>HTTP requests the send took (for the report and benchmarks).</summary>
    public int Requests { get; init; }

    /// <summary>The rate the destination's credential had learned when the batch finished (<see cref="SendResult.RequestsPerSecond"/>).</summary>
    public double? RequestsPerSecond { get; init; }

    /// <summary>Changes the destination settled without applying, for good, with the reason (<see cref="SendResult.Skipped"/>).</summary>
    public IReadOnlyList<MemberRejection> Skipped { get; init; } = [];

    /// <summary>Units the vendor bills that the batch wrote (<see cref="SendResult.DataPoints"/>), or null.</summary>
    public int? DataPoints { get; init; }
}
