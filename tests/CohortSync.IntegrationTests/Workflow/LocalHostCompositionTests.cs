using CohortSync.LocalHost;
using CohortSync.LocalHost.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CohortSync.IntegrationTests.Workflow;

/// <summary>What the local host composes with and without its engine (<c>apply</c> runs without).</summary>
public sealed class LocalHostCompositionTests
{
    [Fact]
    public void AddCohortSyncLocalHost_WithoutTheEngine_RegistersNoHostedServiceSoNothingRunsOrResumes()
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Storage:ConnectionString", "UseDevelopmentStorage=true")]).Build();

        // Act
        var services = new ServiceCollection().AddCohortSyncLocalHost(configuration, engine: false);

        // Assert
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(DurableTaskSidecar));
    }

    [Fact]
    public void AddCohortSyncLocalHost_WithTheEngine_StartsTheSidecarBeforeTheWorker()
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Storage:ConnectionString", "UseDevelopmentStorage=true")]).Build();

        // Act
        var services = new ServiceCollection().AddCohortSyncLocalHost(configuration);

        // Assert: hosted services start in registration order, and the worker needs the sidecar listening.
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        Assert.Equal(2, hosted.Count);
        Assert.NotNull(hosted[0].ImplementationFactory);
        using var provider = services.AddLogging().BuildServiceProvider();
        Assert.IsType<DurableTaskSidecar>(hosted[0].ImplementationFactory!(provider));
    }
}
