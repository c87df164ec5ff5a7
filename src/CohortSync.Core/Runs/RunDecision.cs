namespace CohortSync.Core.Runs;

/// <summary>The decision on a guarded run.</summary>
/// <param name="Approved">True to send, false to drop the run.</param>
/// <param name="By">Who decided (free text, for the record).</param>
/// <param name="At">When.</param>
public sealed record RunDecision(bool Approved, string? By, DateTimeOffset At);
