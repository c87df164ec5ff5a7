using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CohortSync.LocalHost.Runner;

/// <summary>Resumes unfinished runs when the host starts, and stops the runner with the host.</summary>
internal sealed class LocalRunnerHostedService : IHostedService
{
    private readonly LocalWorkflowEngine _engine;
    private readonly LocalRunnerOptions _options;

    public LocalRunnerHostedService(LocalWorkflowEngine engine, IOptions<LocalRunnerOptions> options)
    {
        _engine = engine;
        _options = options.Value;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.ResumeOnStart)
        {
            await _engine.ResumeUnfinishedAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => _engine.StopAsync();
}
