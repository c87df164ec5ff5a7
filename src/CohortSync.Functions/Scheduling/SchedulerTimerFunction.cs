using CohortSync.Core.Application;
using CohortSync.Durable;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace CohortSync.Functions.Scheduling;

/// <summary>
/// The scheduler's tick: asks the planner for the syncs due now and starts one run each. The schedule is the app setting
/// <c>SchedulerTimer</c> (6-field cron, <c>0 * * * * *</c>, every minute, in the settings sample and the Bicep). A due
/// slot's run id comes from the slot, and the engine skips an instance that exists, so a repeated or overlapping tick
/// starts nothing twice.
/// </summary>
public sealed partial class SchedulerTimerFunction
{
    private readonly SchedulerService _scheduler;
    private readonly DurableWorkflowEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger<SchedulerTimerFunction> _logger;

    /// <summary>Creates the function.</summary>
    public SchedulerTimerFunction(SchedulerService scheduler, DurableWorkflowEngine engine, TimeProvider time, ILogger<SchedulerTimerFunction> logger)
    {
        _scheduler = scheduler;
        _engine = engine;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs one tick.</summary>
    [Function("SchedulerTick")]
    public async Task RunAsync(
        [TimerTrigger("%SchedulerTimer%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        if (timer.IsPastDue)
        {
            // A late tick still starts what is due: the planner works from the slots, not from the tick's time.
            LogPastDue();
        }

        using (_engine.Bind(client))
        {
            var started = await _scheduler.TickAsync(_time.GetUtcNow(), context.CancellationToken);
            LogTick(started.Count);
        }
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Scheduler tick started {Count} run(s)")]
    private partial void LogTick(int count);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Scheduler tick is past due")]
    private partial void LogPastDue();
}
