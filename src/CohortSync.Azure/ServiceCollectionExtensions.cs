using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Azure.Secrets;
using CohortSync.Azure.Tables;
using CohortSync.Core.Ports;
using CohortSync.Core.Secrets;
using CohortSync.Core.Sources.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CohortSync.Azure;

/// <summary>The Azure adapters' entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Table Storage state store (section <c>Storage</c>), validated at start-up. With <c>Storage:TableEndpoint</c>
    /// the tables are reached with a <see cref="TokenCredential"/>: <see cref="DefaultAzureCredential"/> (the app's managed
    /// identity in Azure) unless one is registered before or after this call; with <c>Storage:ConnectionString</c> (Azurite,
    /// local) no credential is built.
    /// </summary>
    public static IServiceCollection AddCohortSyncTableStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TableStorageOptions>()
            .Bind(configuration.GetSection(TableStorageOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TableStorageOptions>, TableStorageOptionsValidator>());
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TableStorageOptions>>();
            return new TableGateway(options, options.Value.UsesIdentity ? sp.GetRequiredService<TokenCredential>() : null);
        });
        services.AddSingleton<TableStateStore>();
        services.AddSingleton<ISyncStore>(sp => sp.GetRequiredService<TableStateStore>());
        services.AddSingleton<ISnapshotStore>(sp => sp.GetRequiredService<TableStateStore>());
        services.AddSingleton<IExportStore, TableExportStore>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ICohortWebhookStore, TableCohortWebhookStore>();
        return services;
    }

    /// <summary>
    /// Adds the Key Vault secret store (section <c>KeyVault</c>), validated at start-up, behind the short cache, as
    /// <see cref="ISecretStore"/>. The <see cref="SecretClient"/> authenticates with <see cref="DefaultAzureCredential"/>
    /// (the app's managed identity in Azure). A <see cref="TokenCredential"/> or <see cref="SecretClientOptions"/>
    /// registered before or after this call is used instead (tests, or a local vault with its own certificate).
    /// </summary>
    public static IServiceCollection AddCohortSyncKeyVault(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyVaultOptions>()
            .Bind(configuration.GetSection(KeyVaultOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.VaultUri is null || o.VaultUri is { IsAbsoluteUri: true, Scheme: "https" }, "KeyVault:VaultUri must be an absolute https URI")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.TryAddSingleton(_ => new SecretClientOptions());
        services.TryAddSingleton(sp => new SecretClient(
            sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.VaultUri!,
            sp.GetRequiredService<TokenCredential>(),
            sp.GetRequiredService<SecretClientOptions>()));
        services.TryAddSingleton<KeyVaultSecretStore>();
        services.AddSingleton<ISecretStore>(sp => new CachingSecretStore(
            sp.GetRequiredService<KeyVaultSecretStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<KeyVaultOptions>>().Value.CacheTtl));
        return services;
    }
}
