namespace CohortSync.Core.Ports;

/// <summary>
/// What a batch's sends settled before one failed (<see cref="DeliveryLog"/>, stored): the retry sends only the rest, and if
/// the batch never settles, the commit applies these changes and marks the rest uncertain.
/// </summary>
public sealed record BatchProgress
{
    /// <summary>The batch number.</summary>
    public int Number { get; init; }

    /// <summary>Positions in the batch of the changes the destination answered for, in order.</summary>
    public IReadOnlyList<int> Settled { get; init; } = [];

    /// <summary>The refusals among them.</summary>
    public IReadOnlyList<MemberRejection> Rejections { get; init; } = [];
}
