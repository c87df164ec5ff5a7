using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Ports;

/// <summary>One stored batch: a run's changes for one send, and its outcome once settled.</summary>
public sealed record BatchRecord
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The batch number, from 0.</summary>
    public required int Number { get; init; }

    /// <summary>The changes, in snapshot order.</summary>
    public required IReadOnlyList<SnapshotChange> Changes { get; init; }

    /// <summary>Set once the batch has been sent and its outcome recorded.</summary>
    public BatchOutcome? Outcome { get; init; }

    /// <summary>What failed sends of the batch settled, request by request, while it has no outcome.</summary>
    public BatchProgress? Progress { get; init; }
}
