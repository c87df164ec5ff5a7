using CohortSync.Core.Definitions;
using CohortSync.Core.Sources.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Core.Tests.Sources.Webhooks;

public sealed class CohortWebhookMemberSourceFactoryTests
{
    private readonly InMemoryCohortWebhookStore _store = new();

    [Fact]
    public async Task Open_PendingMessages_AppliesThemAndReadsTheMembersAsUserIdRows()
    {
        // Arrange
        await _store.AcceptAsync("src", WebhookMessages.Stored("a", true, 100, "u1", "u2", "u3"), CancellationToken.None);
        await _store.AcceptAsync("src", WebhookMessages.Stored("b", false, 200, "u2"), CancellationToken.None);
        var factory = new CohortWebhookMemberSourceFactory(
            new CohortWebhookApplier(_store, new FakeTimeProvider(), NullLogger<CohortWebhookApplier>.Instance), _store);

        // Act
        using var reader = await factory.OpenAsync(new SourceDefinition(CohortWebhookSource.SourceType, "src"), ["user_id"], null, CancellationToken.None);
        var users = reader.Records().Select(r => r.Get("user_id")).ToList();

        // Assert
        Assert.Equal(["u1", "u3"], users);
        Assert.Equal(0, _store.Pending);
    }

    [Fact]
    public async Task Probe_VersionChangesWithEachAcceptedMessageOnly()
    {
        // Arrange
        var probe = new CohortWebhookSourceProbe(_store);
        var source = new SourceDefinition(CohortWebhookSource.SourceType, "src");
        var before = await probe.GetVersionAsync(source, CancellationToken.None);
        await _store.AcceptAsync("src", WebhookMessages.Stored("a", true, 100, "u1"), CancellationToken.None);
        var after = await probe.GetVersionAsync(source, CancellationToken.None);

        // Act: a duplicate changes nothing.
        await _store.AcceptAsync("src", WebhookMessages.Stored("a", true, 100, "u1"), CancellationToken.None);

        // Assert
        Assert.NotNull(before);
        Assert.NotEqual(before, after);
        Assert.Equal(after, await probe.GetVersionAsync(source, CancellationToken.None));
    }
}
