using CohortSync.Core.Runs;

namespace CohortSync.Core.Application;

/// <summary>The outcome of a start request.</summary>
/// <param name="Run">The run that holds the sync: the new one, or the one already under way.</param>
/// <param name="Started">True when this call started it.</param>
public sealed record StartRunResult(RunRecord Run, bool Started);
