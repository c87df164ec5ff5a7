using CohortSync.Azure;
using CohortSync.Azure.Secrets;
using CohortSync.Connectors;
using CohortSync.Core;
using CohortSync.Core.Ports;
using CohortSync.Core.Secrets;
using CohortSync.Durable;
using CohortSync.LocalHost.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CohortSync.LocalHost;

/// <summary>
/// LocalHost's entry point for dependency injection: Core, Table Storage, connectors, secrets (Key Vault when
/// <c>KeyVault:VaultUri</c> is set, else configuration), the run's orchestrator and activities, and the Durable Task engine
/// that runs them.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds everything a local host needs.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration.</param>
    /// <param name="engine">
    /// False for a command that only edits or reads definitions and state (<c>apply</c>): no engine starts, so it takes no
    /// work and resumes nobody's runs; starting a run then fails with a message saying so.
    /// </param>
    public static IServiceCollection AddCohortSyncLocalHost(this IServiceCollection services, IConfiguration configuration, bool engine = true)
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

        services.AddCohortSyncDurable(configuration);
        if (engine)
        {
            services.AddLocalDurableTaskEngine(configuration);
        }

        return services;
    }
}
