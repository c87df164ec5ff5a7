using CohortSync.Connectors.Amplitude;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Files;
using CohortSync.Connectors.Iterable;
using CohortSync.Connectors.Webhook;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CohortSync.Connectors;

/// <summary>The connectors' entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds every destination connector, each HTTP one on its own typed client with the resilience handler, and the registry.</summary>
    public static IServiceCollection AddCohortSyncConnectors(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RateLimitRegistry>();
        services.AddTransient(sp => new ResilienceHandler(sp.GetRequiredService<TimeProvider>()));
        services.AddHttpConnector<WebhookConnector>();
        // Vendor connectors: one line each.
        services.AddHttpConnector<IterableConnector>();
        services.AddHttpConnector<Braze.BrazeConnector>();
        services.AddOptions<Braze.BrazeOptions>().BindConfiguration(Braze.BrazeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpConnector<Pushwoosh.PushwooshConnector>();
        services.AddHttpConnector<Productboard.ProductboardConnector>();
        services.AddSingleton<IDestinationConnector, FileConnector>();

        // The Amplitude source: redirects are followed by hand, since the file link must be taken at once and re-requested when stale.
        services.AddHttpClient<AmplitudeClient>(client => client.Timeout = TimeSpan.FromMinutes(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<ResilienceHandler>();
        services.AddSingleton<ICohortExporter, AmplitudeCohortExporter>();
        services.AddSingleton<ISourceProbe, AmplitudeSourceProbe>();
        services.AddSingleton<ITypedMemberSourceFactory, AmplitudeMemberSourceFactory>();
        services.AddSingleton<IDestinationRegistry, DestinationRegistry>();

        // Run notifications: the notify activity owns the retries and each attempt's timeout, so no resilience handler; a
        // redirect is not followed (it would carry the signed body elsewhere) and counts as a failed delivery.
        services.AddOptions<Core.Notifications.NotificationOptions>().BindConfiguration(Core.Notifications.NotificationOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Core.Notifications.NotificationOptions>, Notifications.NotificationOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Notifications.NotificationOptions>>().Value);
        services.AddHttpClient<Notifications.HttpNotificationSender>(client => client.Timeout = TimeSpan.FromMinutes(1))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddTransient<Core.Notifications.INotificationSender>(sp => sp.GetRequiredService<Notifications.HttpNotificationSender>());
        return services;
    }

    // Connectors live as long as the registry that holds them, so the primary handler recycles its connections itself
    // (PooledConnectionLifetime) to follow DNS changes, instead of relying on the factory's handler rotation.
    private static void AddHttpConnector<TConnector>(this IServiceCollection services)
        where TConnector : class, IDestinationConnector
    {
        services.AddHttpClient<TConnector>(client => client.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler<ResilienceHandler>();
        services.AddTransient<IDestinationConnector>(sp => sp.GetRequiredService<TConnector>());
    }
}
