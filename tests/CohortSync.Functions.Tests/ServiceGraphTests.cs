using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CohortSync.Functions.Tests;

/// <summary>
/// The app's service graph as <see cref="ServiceCollectionExtensions.AddCohortSyncFunctionsApp"/> builds it: it validates,
/// its start-up checks pass with the required settings, and every class that holds functions can be created from it.
/// Nothing here contacts storage or Key Vault: clients are created, not used.
/// </summary>
public sealed class ServiceGraphTests
{
    // Azurite's well-known development account (public, documented; not a secret).
    private const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        + "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        + "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
        + "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    // Local: the tables through a connection string (Azurite).
    private static readonly Dictionary<string, string?> RequiredSettings = new()
    {
        ["Storage:ConnectionString"] = AzuriteConnectionString,
        ["Storage:TablePrefix"] = "cohortsynctest",
        ["KeyVault:VaultUri"] = "https://example.vault.azure.net/",
    };

    // In Azure: the tables through their endpoint and the app's identity (DefaultAzureCredential, built but never asked for a token).
    private static readonly Dictionary<string, string?> IdentitySettings = new()
    {
        ["Storage:TableEndpoint"] = "https://example.table.core.windows.net/",
        ["KeyVault:VaultUri"] = "https://example.vault.azure.net/",
    };

    public static TheoryData<string> Configurations => ["connection string", "table endpoint"];

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AddCohortSyncFunctionsApp_RequiredSettings_BuildsAValidatedGraphThatPassesItsStartupChecks(string configuration)
    {
        // Arrange
        using var services = Build(Settings(configuration));

        // Act
        var exception = Record.Exception(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Assert
        Assert.Null(exception);
    }

    [Fact]
    public void AddCohortSyncFunctionsApp_NoStorageConnectionString_FailsItsStartupChecks()
    {
        // Arrange
        using var services = Build(RequiredSettings.Where(s => s.Key != "Storage:ConnectionString").ToDictionary());

        // Act
        var exception = Record.Exception(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Assert
        Assert.Contains("ConnectionString", Assert.IsType<OptionsValidationException>(exception).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionClasses_AreFound()
    {
        // Assert: the reflection below sees the app's function classes (a guard for the theory that follows).
        Assert.Equal(
            ["CohortWebhookFunction", "DestinationFunctions", "OpenApiFunction", "RunFunctions", "SchedulerTimerFunction", "StatusPageFunctions", "SyncActivityFunctions", "SyncFunctions", "SyncRunOrchestration"],
            FunctionTypes().Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void FunctionClasses_AllResolveFromTheAppGraph(string configuration)
    {
        // Arrange
        using var services = Build(Settings(configuration));
        var failures = new List<string>();

        // Act
        foreach (var type in FunctionTypes())
        {
            try
            {
                var instance = services.GetService(type) ?? ActivatorUtilities.CreateInstance(services, type);
                Assert.IsType(type, instance);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or TargetInvocationException)
            {
                failures.Add($"{type.FullName}: {ex.GetBaseException().Message}");
            }
        }

        // Assert
        Assert.True(failures.Count == 0, "could not build: " + string.Join(Environment.NewLine, failures));
    }

    private static Dictionary<string, string?> Settings(string configuration) =>
        configuration == "table endpoint" ? IdentitySettings : RequiredSettings;

    private static ServiceProvider Build(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddCohortSyncFunctionsApp(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static IEnumerable<Type> FunctionTypes() =>
        typeof(ServiceCollectionExtensions).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false }
                && t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public).Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
