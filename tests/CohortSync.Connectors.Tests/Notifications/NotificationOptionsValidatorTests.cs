using CohortSync.Core.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CohortSync.Connectors.Tests.Notifications;

/// <summary>The <c>Notifications</c> settings as the hosts bind and check them at start-up.</summary>
public sealed class NotificationOptionsValidatorTests
{
    [Fact]
    public void Bind_DefaultsFromConfiguration_AreTheTargetsEverySyncGets()
    {
        // Arrange
        using var services = Build(new()
        {
            ["Notifications:Defaults:0:Type"] = "webhook",
            ["Notifications:Defaults:0:Url"] = "https://ops.example.test/hook",
            ["Notifications:Defaults:0:SecretName"] = "ops-key",
            ["Notifications:Defaults:0:Events:0"] = "failed",
            ["Notifications:Defaults:1:Type"] = "teams",
            ["Notifications:Defaults:1:SecretName"] = "teams-url",
            ["Notifications:MaxAttempts"] = "4",
        });

        // Act
        var options = services.GetRequiredService<NotificationOptions>();

        // Assert
        Assert.Equal(["webhook", "teams"], options.Defaults.Select(d => d.Type));
        Assert.Equal(["failed"], options.Defaults[0].Events!);
        Assert.Null(options.Defaults[1].Events);
        Assert.Equal(4, options.MaxAttempts);
    }

    [Fact]
    public void Validate_BadDefaultsOrBudget_FailsNamingEachSetting()
    {
        // Arrange
        using var services = Build(new()
        {
            ["Notifications:Defaults:0:Type"] = "webhook",
            ["Notifications:Defaults:0:Url"] = "https://ops.example.test/hook",
            ["Notifications:Defaults:0:Events:0"] = "finished",
            ["Notifications:MaxAttempts"] = "0",
        });

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<NotificationOptions>());

        // Assert
        Assert.Equal(
            ["Notifications:Defaults[0].events", "Notifications:Defaults[0].secretName", "Notifications:MaxAttempts"],
            error.Failures.Select(f => f[..f.IndexOf(':', f.IndexOf(':', StringComparison.Ordinal) + 1)]).Order(StringComparer.Ordinal));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddCohortSyncConnectors();
        return services.BuildServiceProvider();
    }
}
