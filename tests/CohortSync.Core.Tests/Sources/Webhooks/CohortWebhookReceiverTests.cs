using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Sources.Webhooks;

public sealed class CohortWebhookReceiverTests
{
    private readonly InMemoryCohortWebhookStore _store = new();
    private readonly Mock<ISyncStore> _syncs = new();
    private readonly Mock<ISecretStore> _secrets = new();
    private readonly CohortWebhookReceiver _receiver;

    public CohortWebhookReceiverTests()
    {
        _syncs.Setup(s => s.ListSyncsAsync(It.IsAny<CancellationToken>())).ReturnsAsync([Sync("signups", "hook-secret")]);
        _secrets.Setup(s => s.GetSecretAsync("hook-secret", It.IsAny<CancellationToken>())).ReturnsAsync("s3cret-value");
        _receiver = new CohortWebhookReceiver(_syncs.Object, _secrets.Object, _store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), NullLogger<CohortWebhookReceiver>.Instance);
    }

    [Fact]
    public async Task Authenticate_TheSourcesSecret_IsAccepted()
    {
        Assert.True(await _receiver.AuthenticateAsync("signups", "s3cret-value", CancellationToken.None));
    }

    [Theory]
    [InlineData("signups", "s3cret-valuE")]
    [InlineData("signups", "s3cret-value ")]
    [InlineData("signups", "")]
    [InlineData("signups", null)]
    [InlineData("other-source", "s3cret-value")]
    public async Task Authenticate_WrongOrMissingSecretOrUnknownSource_IsRefused(string sourceId, string? presented)
    {
        Assert.False(await _receiver.AuthenticateAsync(sourceId, presented, CancellationToken.None));
    }

    [Fact]
    public async Task Authenticate_SecretMissingFromTheStore_IsRefused()
    {
        // Arrange
        _secrets.Setup(s => s.GetSecretAsync("hook-secret", It.IsAny<CancellationToken>())).ThrowsAsync(new NotFoundException("no secret"));

        // Act / Assert
        Assert.False(await _receiver.AuthenticateAsync("signups", "s3cret-value", CancellationToken.None));
    }

    [Fact]
    public async Task Accept_SameMessageTwice_StoresItOnceAndSaysDuplicate()
    {
        // Arrange
        var body = WebhookMessages.Body("m::enter::0", true, 100, "u1", "u2");

        // Act
        var first = await _receiver.AcceptAsync("signups", body, CancellationToken.None);
        var second = await _receiver.AcceptAsync("signups", body, CancellationToken.None);

        // Assert
        Assert.Equal(new CohortWebhookReceipt(false, 2, 0), first);
        Assert.Equal(new CohortWebhookReceipt(true, 2, 0), second);
        Assert.Equal(1, _store.Accepted);
    }

    [Fact]
    public async Task Accept_MalformedBody_StoresNothing()
    {
        // Act
        await Assert.ThrowsAsync<ValidationException>(() => _receiver.AcceptAsync("signups", "{\"users\":[]}"u8.ToArray(), CancellationToken.None));

        // Assert
        Assert.Equal(0, _store.Accepted);
        Assert.Null(await _store.GetVersionAsync("signups", CancellationToken.None));
    }

    private static SyncDefinition Sync(string sourceId, string secretName) => new()
    {
        Id = "sync-" + sourceId,
        Name = sourceId,
        DestinationId = "dest",
        Source = new SourceDefinition(CohortWebhookSource.SourceType, sourceId, SecretName: secretName),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };
}
