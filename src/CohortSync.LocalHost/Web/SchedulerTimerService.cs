using CohortSync.Core.Application;
using CohortSync.Core.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CohortSync.LocalHost.Web;

/// <summary>
/// The local timer trigger: ticks the scheduler on the <c>SchedulerTimer</c> schedule (6-field cron, the Functions timer's
/// form; every minute by default). A tick that finds nothing due starts nothing; a repeated tick starts nothing new.
/// </summary>
internal sealed partial class SchedulerTimerService : BackgroundService
{
    private readonly SchedulerService _scheduler;
    private readonly TimeProvider _time;
    private readonly ILogger<SchedulerTimerService> _logger;
    private readonly Cadence _schedule;

    public SchedulerTimerService(SchedulerService scheduler, IConfiguration configuration, TimeProvider time, ILogger<SchedulerTimerService> logger)
    {
        _scheduler = scheduler;
        _time = time;
        _logger = logger;
        var expression = configuration["SchedulerTimer"] ?? "0 * * * * *";
        _schedule = Cadence.Parse("cron:" + expression);
        if (_schedule.Kind != Cadence.CadenceKind.Cron)
        {
            throw new InvalidOperationException("SchedulerTimer must be a 6-field cron expression");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = _schedule.NextSlotAfter(_time.GetUtcNow())!.Value;
            var wait = next - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, stoppingToken);
            }

            try
            {
                var started = await _scheduler.TickAsync(next, stoppingToken);
                if (started.Count > 0)
                {
                    LogTick(started.Count);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTickFailed(ex);
            }
        }
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Scheduler tick started {Count} run(s)")]
    private partial void LogTick(int count);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "Scheduler tick failed")]
    private partial void LogTickFailed(Exception exception);
}
