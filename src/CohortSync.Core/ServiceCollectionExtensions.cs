using CohortSync.Core.Application;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Sources;
using CohortSync.Core.Sources.Webhooks;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CohortSync.Core;

/// <summary>The Core entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the activities and application services. Hosts add the ports: <see cref="ISyncStore"/>, <see cref="ISnapshotStore"/>,
    /// <see cref="ISecretStore"/>, <see cref="IDestinationRegistry"/>, <see cref="Notifications.INotificationSender"/>,
    /// <see cref="IWorkflowEngine"/> and <see cref="ICohortWebhookStore"/>. The notification settings default to none; the
    /// connectors bind them from configuration.
    /// </summary>
    public static IServiceCollection AddCohortSyncCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ITypedMemberSourceFactory, FileMemberSourceFactory>();
        services.AddSingleton<ISourceProbe, FileSourceProbe>();
        services.AddSingleton<ITypedMemberSourceFactory, CohortWebhookMemberSourceFactory>();
        services.AddSingleton<ISourceProbe, CohortWebhookSourceProbe>();
        services.AddSingleton<CohortWebhookApplier>();
        services.AddSingleton<CohortWebhookReceiver>();
        services.AddSingleton<SourceProbes>();
        services.TryAddSingleton<IMemberSourceFactory, MemberSourceRouter>();
        services.AddSingleton<BaselineRepository>();
        services.AddSingleton<RunRecords>();
        services.AddSingleton<PrepareRunActivity>();
        services.AddSingleton<SendBatchActivity>();
        services.AddSingleton<CommitRunActivity>();
        services.AddSingleton<FailRunActivity>();
        services.AddSingleton<StartExportActivity>();
        services.AddSingleton<PollExportActivity>();
        services.AddSingleton<Notifications.NotifyRunActivity>();
        services.TryAddSingleton(new Notifications.NotificationOptions());
        services.AddSingleton<RunService>();
        services.AddSingleton<SchedulerService>();
        services.AddSingleton<DefinitionService>();
        services.AddSingleton<MemberExplainer>();
        return services;
    }
}
