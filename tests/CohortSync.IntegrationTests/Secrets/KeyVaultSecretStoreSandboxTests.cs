using System.Net;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Azure.Secrets;
using CohortSync.Core.Errors;
using CohortSync.Core.Runs;
using CohortSync.Core.Secrets;
using CohortSync.Sandbox;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.IntegrationTests.Secrets;

/// <summary>
/// The Key Vault secret store through the real <see cref="SecretClient"/>, over HTTPS against the sandbox's Key Vault:
/// the bearer challenge, reads and writes, errors, the cache and rotation, and a sync that recovers from a rotated key.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class KeyVaultSecretStoreSandboxTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly SandboxTokenCredential _credential = new();
    private SandboxHost _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task GetSecretAsync_Existing_AnswersTheChallengeThenReturnsTheLatestValue()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "first");
        _sandbox.KeyVault.SetSecret("braze-key", "second");
        var store = Store();

        // Act
        var value = await store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("second", value);
        Assert.Equal(1, _sandbox.KeyVault.ChallengedRequests);
        Assert.Equal(2, _sandbox.KeyVault.Requests);

        // The last token asked for is the one the challenge described. (An earlier one may have been asked for if the
        // client's process-wide challenge cache remembered another sandbox on the same port.)
        var asked = _credential.Requests.Last();
        Assert.Equal(["https://vault.azure.net/.default"], asked.Scopes);
        Assert.Equal(_sandbox.KeyVault.TenantId, asked.TenantId);
    }

    [Fact]
    public async Task GetSecretAsync_SecondRequest_ReusesTheTokenWithoutAnotherChallenge()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        var store = Store();
        await store.GetSecretAsync("braze-key");
        var tokensAsked = _credential.Requests.Count;

        // Act
        var value = await store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("value", value);
        Assert.Equal(1, _sandbox.KeyVault.ChallengedRequests);
        Assert.Equal(3, _sandbox.KeyVault.Requests);
        Assert.Equal(tokensAsked, _credential.Requests.Count);
    }

    [Fact]
    public async Task GetSecretAsync_VaultMovedToAnotherTenant_IsChallengedAgainAndGetsATokenForTheNewTenant()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        var store = Store();
        await store.GetSecretAsync("braze-key");
        _sandbox.KeyVault.TenantId = Guid.NewGuid().ToString();

        // Act
        var value = await store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("value", value);
        Assert.Equal(2, _sandbox.KeyVault.ChallengedRequests);
        Assert.Equal(_sandbox.KeyVault.TenantId, _credential.Requests.Last().TenantId);
    }

    [Fact]
    public async Task SetSecretAsync_ThenGet_WritesANewVersionAndReadsIt()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("hook-secret", "old");
        var store = Store();

        // Act
        await store.SetSecretAsync("hook-secret", "new");
        var value = await store.GetSecretAsync("hook-secret");

        // Assert
        Assert.Equal("new", value);
        Assert.Equal(2, _sandbox.KeyVault.VersionCount("hook-secret"));
        Assert.Equal(1, _sandbox.KeyVault.Writes);
    }

    [Fact]
    public async Task SetSecretAsync_NewName_CreatesTheSecret()
    {
        // Arrange
        var store = Store();

        // Act
        await store.SetSecretAsync("pushwoosh-token", "token-value");

        // Assert
        Assert.Equal(1, _sandbox.KeyVault.VersionCount("pushwoosh-token"));
        Assert.Equal("token-value", await store.GetSecretAsync("pushwoosh-token"));
    }

    [Fact]
    public async Task GetSecretAsync_Unknown_ThrowsNotFoundNamingTheSecretAndNoValue()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "do-not-leak-this-value");
        var store = Store();

        // Act
        var error = await Assert.ThrowsAsync<NotFoundException>(() => store.GetSecretAsync("iterable-key"));

        // Assert
        Assert.Contains("'iterable-key'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-leak-this-value", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, _sandbox.KeyVault.NotFound);
    }

    [Fact]
    public async Task GetSecretAsync_DisabledSecret_ThrowsAuthErrorWithoutTheValue()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "do-not-leak-this-value");
        _sandbox.KeyVault.SetEnabled("braze-key", false);
        var store = Store();

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal(KeyVaultSecretStore.ServiceName, error.Destination);
        Assert.DoesNotContain("do-not-leak-this-value", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSecretAsync_VaultUnavailableBeyondTheClientsRetries_ThrowsRetryable()
    {
        // Arrange: the client tries three times (two retries in these options).
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        _sandbox.KeyVault.Faults.FailNext(3, HttpStatusCode.ServiceUnavailable);
        var store = Store();

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(3, _sandbox.KeyVault.Faults.Injected);
    }

    [Fact]
    public async Task GetSecretAsync_OneTransientFailure_IsRetriedByTheClient()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        _sandbox.KeyVault.Faults.FailNext(1, HttpStatusCode.TooManyRequests);
        var store = Store();

        // Act
        var value = await store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("value", value);
        Assert.Equal(1, _sandbox.KeyVault.Faults.Injected);
    }

    [Fact]
    public async Task GetSecretAsync_ChallengeResourceVerificationOn_RefusesAVaultOutsideVaultAzureNet()
    {
        // Arrange: with the client's default check, a vault at 127.0.0.1 cannot claim the resource vault.azure.net.
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        var store = new KeyVaultSecretStore(SandboxKeyVault.Client(_sandbox, _credential, verifyChallengeResource: true), NullLogger<KeyVaultSecretStore>.Instance);

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Contains("DisableChallengeResourceVerification", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _sandbox.KeyVault.Reads);
    }

    [Fact]
    public async Task CachedGet_WithinTtl_MakesNoRequestAndAfterTtlReadsAgain()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "value");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-22T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cache = new CachingSecretStore(Store(), time, TimeSpan.FromMinutes(5));
        await cache.GetSecretAsync("braze-key");
        var requests = _sandbox.KeyVault.Requests;

        // Act
        time.Advance(TimeSpan.FromMinutes(4));
        var withinTtl = await cache.GetSecretAsync("braze-key");
        var requestsWithinTtl = _sandbox.KeyVault.Requests - requests;
        time.Advance(TimeSpan.FromMinutes(2));
        var afterTtl = await cache.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("value", withinTtl);
        Assert.Equal(0, requestsWithinTtl);
        Assert.Equal("value", afterTtl);
        Assert.Equal(2, _sandbox.KeyVault.Reads);
    }

    [Fact]
    public async Task CachedGet_AfterRotation_ReturnsTheOldValueUntilInvalidatedThenTheNewOne()
    {
        // Arrange
        _sandbox.KeyVault.SetSecret("braze-key", "before-rotation");
        var cache = new CachingSecretStore(Store(), new FakeTimeProvider(DateTimeOffset.UnixEpoch), TimeSpan.FromMinutes(5));
        await cache.GetSecretAsync("braze-key");

        // Act
        _sandbox.KeyVault.SetSecret("braze-key", "after-rotation");
        var cached = await cache.GetSecretAsync("braze-key");
        cache.Invalidate("braze-key");
        var reread = await cache.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal("before-rotation", cached);
        Assert.Equal("after-rotation", reread);
        Assert.Equal(2, _sandbox.KeyVault.Reads);
    }

    [Fact]
    public async Task Run_WebhookKeyRotatedInKeyVault_RecoversAfterOne401()
    {
        // Arrange: a first run reads the signing key from Key Vault and caches it.
        var dir = Directory.CreateTempSubdirectory("cohortsync-kv-").FullName;
        try
        {
            await using var host = await EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), _sandbox, keyVault: true);
            var cohort = Path.Combine(dir, "cohort.csv");
            EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 10));
            await host.CreateWebhookSyncAsync("s1", cohort);
            var first = await host.RunAsync("s1");
            var readsAfterFirst = _sandbox.KeyVault.Reads;

            // The key is rotated at the receiver and in the vault; the host still holds the old one.
            _sandbox.Webhook.Secret = "rotated-signing-key";
            _sandbox.KeyVault.SetSecret(EngineHarness.WebhookSecretName, "rotated-signing-key");
            EngineHarness.WriteCohort(cohort, Enumerable.Range(5, 10));

            // Act
            var second = await host.RunAsync("s1");

            // Assert
            Assert.Equal(RunStatus.Completed, first.Status);
            Assert.Equal(1, readsAfterFirst);
            Assert.Equal(RunStatus.Completed, second.Status);
            Assert.Null(second.Error);
            Assert.Equal(0, second.Outcome!.FailedBatches);
            Assert.Equal(1, _sandbox.Webhook.BadSignatures);
            Assert.Equal(2, _sandbox.KeyVault.Reads);
            Assert.Equal(EngineHarness.Keys(Enumerable.Range(5, 10)), _sandbox.Webhook.Members("s1"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private KeyVaultSecretStore Store() =>
        new(SandboxKeyVault.Client(_sandbox, _credential), NullLogger<KeyVaultSecretStore>.Instance);
}
