using CohortSync.Azure.Tables;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Azure;

/// <summary>The Azure adapters' entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds the Table Storage state store (section <c>Storage</c>), validated at start-up.</summary>
    public static IServiceCollection AddCohortSyncTableStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TableStorageOptions>()
            .Bind(configuration.GetSection(TableStorageOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<TableGateway>();
        services.AddSingleton<TableStateStore>();
        services.AddSingleton<ISyncStore>(sp => sp.GetRequiredService<TableStateStore>());
        services.AddSingleton<ISnapshotStore>(sp => sp.GetRequiredService<TableStateStore>());
        services.AddSingleton<IExportStore, TableExportStore>();
        return services;
    }
}
