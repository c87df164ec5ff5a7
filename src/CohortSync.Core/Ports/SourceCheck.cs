namespace CohortSync.Core.Ports;

/// <summary>A scheduled slot for which the scheduler found the source unchanged and started no run.</summary>
/// <param name="At">When it checked.</param>
/// <param name="Slot">The schedule slot it checked for.</param>
/// <param name="Note">What it found, for people.</param>
public sealed record SourceCheck(DateTimeOffset At, DateTimeOffset Slot, string Note);
