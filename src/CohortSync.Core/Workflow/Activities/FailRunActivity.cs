using CohortSync.Core.Runs;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Workflow.Activities;

/// <summary>Fail: record why a run failed and release its sync. The baseline is left as it was.</summary>
public sealed class FailRunActivity : IWorkflowActivity<FailRunInput, RunResult>
{
    private readonly RunRecords _runs;
    private readonly ILogger<FailRunActivity> _logger;

    /// <summary>Creates the activity.</summary>
    public FailRunActivity(RunRecords runs, ILogger<FailRunActivity> logger)
    {
        _runs = runs;
        _logger = logger;
    }

    /// <summary>Marks a run failed.</summary>
    public async Task<RunResult> RunAsync(FailRunInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = await _runs.FinishAsync(input.RunId, r => r with { Status = RunStatus.Failed, Error = input.Error }, cancellationToken);
        _logger.RunFailed(run.RunId, input.Error);
        return new RunResult(run.RunId, run.Status);
    }
}
