using CohortSync.Core.Runs;

namespace CohortSync.Core.Application;

/// <summary>A run with its progress.</summary>
/// <param name="Run">The run record.</param>
/// <param name="BatchesSettled">Batches sent and recorded so far.</param>
public sealed record RunProgress(RunRecord Run, int BatchesSettled);
