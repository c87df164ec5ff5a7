using Microsoft.ApplicationInsights;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CohortSync.Functions.Tests;

/// <summary>The worker's telemetry: Application Insights registered, and the worker's information logs not filtered out.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task AddCohortSyncFunctionsTelemetry_RegistersTheClientAndKeepsInformationLogs()
    {
        // Arrange
        // What the worker's host provides: configuration (here without a connection string: nothing is sent) and logging.
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());

        // Act
        services.AddCohortSyncFunctionsTelemetry();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        // Assert: one client for the process
        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(services, d => d.ServiceType == typeof(TelemetryClient)).Lifetime);
        var rules = provider.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules;
        Assert.DoesNotContain(rules, r => r.ProviderName == ServiceCollectionExtensions.ApplicationInsightsLoggerProvider && r.LogLevel > LogLevel.Information);
        Assert.Contains(provider.GetServices<ILoggerProvider>(), p => p.GetType().FullName == ServiceCollectionExtensions.ApplicationInsightsLoggerProvider);
    }
}
