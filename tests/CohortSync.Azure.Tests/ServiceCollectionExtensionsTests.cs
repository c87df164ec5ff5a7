using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Azure.Secrets;
using CohortSync.Azure.Tables;
using CohortSync.Core.Ports;
using CohortSync.Core.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace CohortSync.Azure.Tests;

/// <summary>
/// The Table Storage and Key Vault registrations: options checked at start-up, the stores, and the clients' credential.
/// </summary>
public sealed class ServiceCollectionExtensionsTests
{
    private const string Azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    [Theory]
    [InlineData(null, null, "Storage:TableEndpoint is missing")]
    [InlineData("", "  ", "Storage:TableEndpoint is missing")]
    [InlineData("https://account.table.core.windows.net/", Azurite, "are both set")]
    [InlineData("http://account.table.core.windows.net/", null, "must be an absolute https URI")]
    public void AddCohortSyncTableStorage_NoUsableConnection_FailsAtStartUpNamingTheSetting(string? endpoint, string? connectionString, string expected)
    {
        // Arrange
        using var services = BuildTables(new() { ["Storage:TableEndpoint"] = endpoint, ["Storage:ConnectionString"] = connectionString });

        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        // Assert: the message says what to set, and never echoes a connection string
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCohortSyncTableStorage_TableEndpoint_ReachesItWithTheRegisteredCredential()
    {
        // Arrange
        var credential = new Mock<TokenCredential>(MockBehavior.Strict);
        using var services = BuildTables(
            new() { ["Storage:TableEndpoint"] = "https://account.table.core.windows.net/" },
            s => s.AddSingleton(credential.Object));

        // Act
        services.GetRequiredService<IStartupValidator>().Validate();
        var gateway = services.GetRequiredService<TableGateway>();

        // Assert: both storage ports are the one state store, and no token is asked for until a table is used
        Assert.Equal(new Uri("https://account.table.core.windows.net/"), gateway.Endpoint);
        var store = services.GetRequiredService<TableStateStore>();
        Assert.Same(store, services.GetRequiredService<ISyncStore>());
        Assert.Same(store, services.GetRequiredService<ISnapshotStore>());
        credential.VerifyNoOtherCalls();
    }

    [Fact]
    public void AddCohortSyncTableStorage_TableEndpointAlone_UsesDefaultAzureCredential()
    {
        // Arrange
        using var services = BuildTables(new() { ["Storage:TableEndpoint"] = "https://account.table.core.windows.net/" });

        // Act
        services.GetRequiredService<IStartupValidator>().Validate();

        // Assert
        Assert.IsType<DefaultAzureCredential>(services.GetRequiredService<TokenCredential>());
    }

    [Fact]
    public void AddCohortSyncTableStorage_ConnectionString_ReachesItsTableEndpoint()
    {
        // Arrange
        using var services = BuildTables(new() { ["Storage:ConnectionString"] = Azurite });

        // Act
        services.GetRequiredService<IStartupValidator>().Validate();
        var gateway = services.GetRequiredService<TableGateway>();

        // Assert
        Assert.Equal("127.0.0.1", gateway.Endpoint.Host);
        Assert.Equal(10002, gateway.Endpoint.Port);
    }

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
        Assert.Equal(TimeSpan.FromMinutes(1), services.GetRequiredService<IOptions<KeyVaultOptions>>().Value.CacheTtl);
    }

    [Fact]
    public async Task AddCohortSyncKeyVault_SecretReadTwice_ReadsThroughTheRegisteredClientOnceThenFromTheCache()
    {
        // Arrange: a client registered first is kept (its members are virtual, so it is mocked).
        var client = new Mock<SecretClient>(MockBehavior.Strict);
        client.Setup(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(global::Azure.Response.FromValue(new KeyVaultSecret("braze-key", "sk-value"), new Secrets.FakeResponse(200)));
        using var services = Build(new() { ["KeyVault:VaultUri"] = "https://cohortsync.vault.azure.net/" }, s => s.AddSingleton(client.Object));
        var store = services.GetRequiredService<ISecretStore>();

        // Act
        var first = await store.GetSecretAsync("braze-key");
        var second = await store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal(("sk-value", "sk-value"), (first, second));
        client.Verify(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()), Times.Once);
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

    private static ServiceProvider BuildTables(Dictionary<string, string?> settings, Action<IServiceCollection>? before = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        before?.Invoke(services);
        return services.AddCohortSyncTableStorage(configuration).BuildServiceProvider();
    }
}
