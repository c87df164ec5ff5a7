using CohortSync.Api;
using CohortSync.Azure;
using CohortSync.Connectors;
using CohortSync.Core;
using CohortSync.Durable;
using Microsoft.Extensions.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// The worker's own telemetry (its logs, and the outbound HTTP calls to the vendors as dependencies) to the Application
    /// Insights resource of <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>; the host's own (requests, Durable's logs) is the
    /// host's, sampled and filtered by host.json. The SDK adds a rule that keeps only the worker's warnings; it is removed,
    /// so that the worker's information logs (run and batch ids and counts, never member data) arrive too.
    /// </summary>
    public static IServiceCollection AddCohortSyncFunctionsTelemetry(this IServiceCollection services)
    {
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        services.Configure<LoggerFilterOptions>(options =>
        {
            var warningsOnly = options.Rules.FirstOrDefault(rule => rule.ProviderName == ApplicationInsightsLoggerProvider);
            if (warningsOnly is not null)
            {
                options.Rules.Remove(warningsOnly);
            }
        });
        return services;
    }

    /// <summary>The full name of the Application Insights logger provider, as the SDK's filter rule names it.</summary>
    public const string ApplicationInsightsLoggerProvider = "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider";
}
