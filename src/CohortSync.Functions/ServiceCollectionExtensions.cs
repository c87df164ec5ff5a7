using CohortSync.Api;
using CohortSync.Azure;
using CohortSync.Connectors;
using CohortSync.Core;
using CohortSync.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Functions;

/// <summary>The Functions app's entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Everything the app's functions take: one entry point per project, each binding its options and validating them at
    /// start-up (Storage:*, KeyVault:*, Workflow:Retry:*), so a missing or malformed setting stops the worker before it takes
    /// a trigger. The engine (<see cref="DurableWorkflowEngine"/>) is the singleton the local host registers too; the
    /// Durable client it needs is bound per invocation by the functions that start runs or raise decisions.
    /// </summary>
    public static IServiceCollection AddCohortSyncFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCohortSyncCore();
        services.AddCohortSyncTableStorage(configuration);
        services.AddCohortSyncConnectors();
        services.AddCohortSyncKeyVault(configuration);
        services.AddCohortSyncApi();
        services.AddCohortSyncDurable(configuration);
        return services;
    }
}
