using CohortSync.Azure;
using CohortSync.Azure.Secrets;
using CohortSync.Connectors;
using CohortSync.Core;
using CohortSync.Core.Ports;
using CohortSync.Core.Secrets;
using CohortSync.LocalHost.Runner;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CohortSync.LocalHost;

/// <summary>
/// LocalHost's entry point for dependency injection: Core, Table Storage, connectors, secrets (Key Vault when
/// <c>KeyVault:VaultUri</c> is set, else configuration) and the local runner.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds everything a local host needs.</summary>
    public static IServiceCollection AddCohortSyncLocalHost(this IServiceCollection services, IConfiguration configuration)
    {
        // Options bound with BindConfiguration read IConfiguration from the container; a generic host registers it, a bare
        // ServiceCollection (the integration tests' harness) does not.
        services.TryAddSingleton(configuration);
        services.AddCohortSyncCore();
        services.AddCohortSyncTableStorage(configuration);
        services.AddCohortSyncConnectors();
        if (!string.IsNullOrEmpty(configuration["KeyVault:VaultUri"]))
        {
            services.AddCohortSyncKeyVault(configuration);
        }
        else
        {
            services.AddSingleton<ISecretStore>(sp => new CachingSecretStore(new ConfigurationSecretStore(configuration), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddOptions<LocalRunnerOptions>()
            .Bind(configuration.GetSection(LocalRunnerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<LocalWorkflowEngine>();
        services.AddSingleton<IWorkflowEngine>(sp => sp.GetRequiredService<LocalWorkflowEngine>());
        services.AddHostedService<LocalRunnerHostedService>();
        return services;
    }
}
