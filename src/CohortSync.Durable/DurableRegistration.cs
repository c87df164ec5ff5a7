using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CohortSync.Durable;

/// <summary>Registers the orchestrator, the activities and the engine port; both hosts call this.</summary>
public static class DurableRegistration
{
    /// <summary>The orchestrator and every activity, under the names of <see cref="WorkflowNames"/>.</summary>
    /// <param name="registry">The worker's registry.</param>
    /// <param name="retry">The activities' retry policy (Durable Task creates orchestrators without dependency injection).</param>
    public static DurableTaskRegistry AddCohortSyncWorkflow(this DurableTaskRegistry registry, WorkflowRetryOptions retry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(retry);
        registry.AddOrchestrator(WorkflowNames.Orchestration, () => new SyncRunOrchestrator(retry));
        registry.AddActivity<WorkflowActivity<StartExportActivity, RunInput, ExportTicket>>(WorkflowNames.StartExport);
        registry.AddActivity<WorkflowActivity<PollExportActivity, RunInput, ExportTicket>>(WorkflowNames.PollExport);
        registry.AddActivity<WorkflowActivity<PrepareRunActivity, RunInput, RunPlan>>(WorkflowNames.Prepare);
        registry.AddActivity<WorkflowActivity<SendBatchActivity, SendBatchInput, BatchSummary>>(WorkflowNames.SendBatch);
        registry.AddActivity<WorkflowActivity<CommitRunActivity, CommitRunInput, RunResult>>(WorkflowNames.Commit);
        registry.AddActivity<WorkflowActivity<FailRunActivity, FailRunInput, RunResult>>(WorkflowNames.Fail);
        registry.AddActivity<WorkflowActivity<Core.Notifications.NotifyRunActivity, Core.Notifications.NotifyRunInput, Core.Notifications.NotifyRunResult>>(WorkflowNames.Notify);
        return registry;
    }

    /// <summary>
    /// The retry options (validated at start-up), the orchestrator class and the engine behind <see cref="Core.Ports.IWorkflowEngine"/>.
    /// </summary>
    public static IServiceCollection AddCohortSyncDurable(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WorkflowRetryOptions>()
            .Bind(configuration.GetSection(WorkflowRetryOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddTransient(sp => new SyncRunOrchestrator(sp.GetRequiredService<IOptions<WorkflowRetryOptions>>().Value));
        services.AddSingleton<DurableWorkflowEngine>();
        services.AddSingleton<Core.Ports.IWorkflowEngine>(sp => sp.GetRequiredService<DurableWorkflowEngine>());
        return services;
    }
}
