using System.Net;
using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Azure.Secrets;
using CohortSync.Core.Errors;
using CohortSync.Core.Secrets;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Azure.Tests.Secrets;

/// <summary>The store's mapping of <see cref="SecretClient"/> results and failures, with the client mocked (its members are virtual).</summary>
public sealed class KeyVaultSecretStoreTests
{
    private const string Value = "sk-live-do-not-leak";
    private readonly Mock<SecretClient> _client = new(MockBehavior.Strict);
    private readonly RecordingLogger<KeyVaultSecretStore> _logger = new();
    private readonly KeyVaultSecretStore _store;

    public KeyVaultSecretStoreTests() => _store = new KeyVaultSecretStore(_client.Object, _logger);

    [Fact]
    public async Task GetSecretAsync_Found_ReturnsTheLatestValueAndLogsOnlyTheName()
    {
        // Arrange
        _client.Setup(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(new KeyVaultSecret("braze-key", Value), new FakeResponse(200)));

        // Act
        var value = await _store.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal(Value, value);
        Assert.Contains(_logger.Lines, l => l.Contains("braze-key", StringComparison.Ordinal));
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetSecretAsync_NotFound_ThrowsNotFoundNamingTheSecret()
    {
        // Arrange
        FailGet(new RequestFailedException(new FakeResponse(404, "SecretNotFound")));

        // Act
        var error = await Assert.ThrowsAsync<NotFoundException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Contains("'braze-key'", error.Message, StringComparison.Ordinal);
        Assert.IsType<RequestFailedException>(error.InnerException);
    }

    [Theory]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "Forbidden")]
    public async Task GetSecretAsync_AccessRefused_ThrowsAuthErrorThatIsNotRetried(int status, string code)
    {
        // Arrange
        FailGet(new RequestFailedException(new FakeResponse(status, code)));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(KeyVaultSecretStore.ServiceName, error.Destination);
        Assert.Equal(code, error.VendorErrorCode);
        Assert.Contains("'braze-key'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task GetSecretAsync_Transient_ThrowsRetryableWithTheVaultsRetryAfter(int status)
    {
        // Arrange
        FailGet(new RequestFailedException(new FakeResponse(status, "Throttled", new Dictionary<string, string> { ["Retry-After"] = "7" })));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task GetSecretAsync_VaultUnreachable_ThrowsRetryable()
    {
        // Arrange: a transport failure reaches the caller as status 0.
        FailGet(new RequestFailedException("Connection refused (127.0.0.1:443)"));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Null(error.StatusCode);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task GetSecretAsync_BadRequest_ThrowsValidationOnTheSecretName()
    {
        // Arrange
        FailGet(new RequestFailedException(new FakeResponse(400, "BadParameter")));

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Equal(["secretName"], error.Errors.Keys);
    }

    [Fact]
    public async Task GetSecretAsync_OtherStatus_ThrowsInvalidOperationNamingStatusAndCode()
    {
        // Arrange
        FailGet(new RequestFailedException(new FakeResponse(409, "ObjectIsBeingDeleted")));

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Contains("409", error.Message, StringComparison.Ordinal);
        Assert.Contains("ObjectIsBeingDeleted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSecretAsync_NoToken_ThrowsAuthErrorAboutTheIdentity()
    {
        // Arrange
        FailGet(new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable."));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => _store.GetSecretAsync("braze-key"));

        // Assert
        Assert.Contains("managed identity", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task GetSecretAsync_SecretWithoutValue_ThrowsNotFound()
    {
        // Arrange
        _client.Setup(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(new KeyVaultSecret("braze-key", string.Empty), new FakeResponse(200)));

        // Act, Assert
        await Assert.ThrowsAsync<NotFoundException>(() => _store.GetSecretAsync("braze-key"));
    }

    [Fact]
    public async Task SetSecretAsync_Accepted_WritesNameAndValueAndLogsNoValue()
    {
        // Arrange
        _client.Setup(c => c.SetSecretAsync("braze-key", Value, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(new KeyVaultSecret("braze-key", Value), new FakeResponse(200)));

        // Act
        await _store.SetSecretAsync("braze-key", Value);

        // Assert
        _client.Verify(c => c.SetSecretAsync("braze-key", Value, It.IsAny<CancellationToken>()), Times.Once);
        Assert.StartsWith("Information 5101 Secret braze-key written to Key Vault", Assert.Single(_logger.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(Value, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(400, "BadParameter")]
    [InlineData(401, "Unauthorized")]
    [InlineData(403, "Forbidden")]
    [InlineData(404, "NotFound")]
    [InlineData(409, "ObjectIsDeletedButRecoverable")]
    [InlineData(429, "Throttled")]
    [InlineData(503, "ServiceUnavailable")]
    public async Task SetSecretAsync_Refused_PutsTheValueInNeitherTheErrorNorTheLogs(int status, string code)
    {
        // Arrange
        _client.Setup(c => c.SetSecretAsync("braze-key", Value, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(new FakeResponse(status, code)));

        // Act
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _store.SetSecretAsync("braze-key", Value));

        // Assert
        Assert.IsNotType<RequestFailedException>(error);
        Assert.DoesNotContain(Value, error.ToString(), StringComparison.Ordinal);
        var line = Assert.Single(_logger.Lines);
        Assert.StartsWith(status == 404 ? "Warning 5102 Secret braze-key is not in Key Vault" : $"Warning 5103 Key Vault refused write of secret braze-key: {status}", line, StringComparison.Ordinal);
        Assert.DoesNotContain(_logger.Lines, l => l.Contains(Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalidate_BehindTheCache_MakesTheNextReadAskTheVault()
    {
        // Arrange: the vault holds "v1", then a rotation makes it "v2".
        var version = "v1";
        _client.Setup(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => Response.FromValue(new KeyVaultSecret("braze-key", version), new FakeResponse(200)));
        var cache = new CachingSecretStore(_store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), TimeSpan.FromMinutes(5));
        await cache.GetSecretAsync("braze-key");
        version = "v2";

        // Act
        var cached = await cache.GetSecretAsync("braze-key");
        cache.Invalidate("braze-key");
        var reread = await cache.GetSecretAsync("braze-key");

        // Assert
        Assert.Equal(("v1", "v2"), (cached, reread));
        _client.Verify(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    private void FailGet(Exception error) =>
        _client.Setup(c => c.GetSecretAsync("braze-key", null, It.IsAny<CancellationToken>())).ThrowsAsync(error);
}
