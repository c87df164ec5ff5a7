using CohortSync.Connectors.Files;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Webhook;
using CohortSync.Core.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Connectors;

/// <summary>The connectors' entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds every destination connector, each HTTP one on its own typed client, and the registry.</summary>
    public static IServiceCollection AddCohortSyncConnectors(this IServiceCollection services)
    {
        services.AddHttpClient<WebhookConnector>(client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddTransient<IDestinationConnector>(sp => sp.GetRequiredService<WebhookConnector>());
        services.AddSingleton<IDestinationConnector, FileConnector>();
        services.AddSingleton<IDestinationRegistry, DestinationRegistry>();
        return services;
    }
}
