using CohortSync.Api.StatusPage;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Api;

/// <summary>The API's entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds the HTTP API handlers (Core's services must be added too).</summary>
    public static IServiceCollection AddCohortSyncApi(this IServiceCollection services)
    {
        services.AddSingleton<CohortSyncApi>();
        services.AddSingleton<SyncOverviewApi>();
        services.AddSingleton<StatusPageHandler>();
        services.AddSingleton<CohortWebhookApi>();
        return services;
    }
}
