using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Azure.Secrets;
using CohortSync.Core.Ports;
using CohortSync.Core.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace CohortSync.Azure.Tests;

/// <summary>The Key Vault registration: options checked at start-up, the cached store, and the client's credential.</summary>
public sealed class ServiceCollectionExtensionsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("http://cohortsync.vault.azure.net/", null)]
    [InlineData("cohortsync.vault.azure.net", null)]
    [InlineData("https://cohortsync.vault.azure.net/", "00:00:00")]
    [InlineData("https://cohortsync.vault.azure.net/", "02:00:00")]
    public void AddCohortSyncKeyVault_BadSettings_FailAtStartUp(string? vaultUri, string? cacheTtl)
    {
        // Arrange
        using var services = Build(new() { ["KeyVault:VaultUri"] = vaultUri, ["KeyVault:CacheTtl"] = cacheTtl });

        // Act, Assert
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void AddCohortSyncKeyVault_GoodSettings_RegistersTheCachedStoreOnThatVaultWithDefaultAzureCredential()
    {
        // Arrange
        using var services = Build(new() { ["KeyVault:VaultUri"] = "https://cohortsync.vault.azure.net/", ["KeyVault:CacheTtl"] = "00:01:00" });

        // Act
        services.GetRequiredService<IStartupValidator>().Validate();
        var store = services.GetRequiredService<ISecretStore>();

        // Assert
        Assert.IsType<CachingSecretStore>(store);
        Assert.Equal(new Uri("https://cohortsync.vault.azure.net/"), services.GetRequiredService<SecretClient>().VaultUri);
        Assert.IsType<DefaultAzureCredential>(services.GetRequiredService<TokenCredential>());
        Assert.NotNull(services.GetRequiredService<KeyVaultSecretStore>());
        Assert.Equal(TimeSpan.FromMinutes(1), services.GetRequiredService<IOptions<KeyVaultOptions>>().Value.CacheTtl);
    }

    [Fact]
    public void AddCohortSyncKeyVault_CredentialAndClientOptionsRegisteredFirst_KeepsThem()
    {
        // Arrange
        var credential = Mock.Of<TokenCredential>();
        var clientOptions = new SecretClientOptions { DisableChallengeResourceVerification = true };

        // Act
        using var services = Build(
            new() { ["KeyVault:VaultUri"] = "https://cohortsync.vault.azure.net/" },
            s => s.AddSingleton(credential).AddSingleton(clientOptions));

        // Assert
        Assert.Same(credential, services.GetRequiredService<TokenCredential>());
        Assert.Same(clientOptions, services.GetRequiredService<SecretClientOptions>());
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? before = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        before?.Invoke(services);
        return services.AddCohortSyncKeyVault(configuration).BuildServiceProvider();
    }
}
