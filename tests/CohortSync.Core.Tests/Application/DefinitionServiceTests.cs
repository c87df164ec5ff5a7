using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using Moq;

namespace CohortSync.Core.Tests.Application;

/// <summary><see cref="DefinitionService.ValidateAllAsync"/>: a set of definitions is checked whole, before anything is saved.</summary>
public sealed class DefinitionServiceTests
{
    private readonly Mock<ISyncStore> _store = new(MockBehavior.Strict);
    private readonly Mock<IDestinationRegistry> _registry = new();
    private readonly Mock<IDestinationConnector> _connector = new();

    public DefinitionServiceTests()
    {
        _registry.SetupGet(r => r.Types).Returns(["webhook"]);
        _registry.Setup(r => r.Resolve("webhook")).Returns(_connector.Object);
        _connector.Setup(c => c.Describe(It.IsAny<DestinationDefinition>())).Returns(new DestinationCapabilities(1000, [KeyKind.UserId], []));
        _store.Setup(s => s.GetDestinationAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((Versioned<DestinationDefinition>?)null);
    }

    [Fact]
    public async Task ValidateAllAsync_SecondSyncNamesAMissingDestination_ThrowsNamingItAndSavesNothing()
    {
        // Arrange: the strict store mock fails any save.
        var destinations = new[] { Destination("hook") };
        var syncs = new[] { Sync("first", "hook"), Sync("second", "nowhere") };

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => Service().ValidateAllAsync(destinations, syncs));

        // Assert
        var (field, messages) = Assert.Single(error.Errors);
        Assert.Equal("syncs[1].destinationId", field);
        Assert.Contains("destination 'nowhere' does not exist", Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAllAsync_SeveralBadDefinitions_NamesEveryBadFieldWithItsPlace()
    {
        // Arrange
        var destinations = new[] { Destination("hook"), Destination("Bad Id") with { Type = "fax" } };
        var syncs = new[]
        {
            Sync("ok", "hook"),
            Sync("devices", "hook") with { Identifiers = [new IdentifierMapping("device_id", KeyKind.DeviceId)] },
            Sync("ok", "hook"),
        };

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => Service().ValidateAllAsync(destinations, syncs));

        // Assert
        Assert.Equal(
            ["destinations[1].id", "destinations[1].type", "syncs[1].identifiers", "syncs[2].id"],
            error.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("not DeviceId", error.Errors["syncs[1].identifiers"][0], StringComparison.Ordinal);
        Assert.Contains("defined twice", error.Errors["syncs[2].id"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAllAsync_SyncOnAStoredDestination_Passes()
    {
        // Arrange
        _store.Setup(s => s.GetDestinationAsync("stored", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<DestinationDefinition>(Destination("stored"), "etag"));

        // Act: no exception
        await Service().ValidateAllAsync([], [Sync("s1", "stored")]);

        // Assert: the destination was looked up in the store, since the set does not define it.
        _store.Verify(s => s.GetDestinationAsync("stored", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task CreateDestinationAsync_BadField_ThrowsNamingItAndStoresNeitherDefinitionNorSecret()
    {
        // Arrange: the strict mocks fail any read or write the service makes.
        var secrets = new Mock<ISecretStore>(MockBehavior.Strict);
        var store = new Mock<ISyncStore>(MockBehavior.Strict);
        var service = new DefinitionService(store.Object, secrets.Object, _registry.Object, TimeProvider.System);

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            service.CreateDestinationAsync(Destination("hook") with { SecretName = "cohortsync-storage" }, "new-secret-value"));

        // Assert
        Assert.Equal(["secretName"], error.Errors.Keys);
        Assert.DoesNotContain("new-secret-value", error.Message, StringComparison.Ordinal);
        store.VerifyNoOtherCalls();
        secrets.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task CreateSyncAsync_BadField_ThrowsNamingItAndStoresNothing()
    {
        // Arrange
        var store = new Mock<ISyncStore>(MockBehavior.Strict);
        var service = new DefinitionService(store.Object, Mock.Of<ISecretStore>(MockBehavior.Strict), _registry.Object, TimeProvider.System);

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => service.CreateSyncAsync(Sync("orders", "hook") with { BatchSize = 0 }));

        // Assert
        Assert.Equal(["batchSize"], error.Errors.Keys);
        store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task CreateSyncAsync_KeyKindTheDestinationCannotTake_ThrowsNamingTheIdentifiersAndStoresNothing()
    {
        // Arrange: the destination exists, but takes user ids only.
        _store.Setup(s => s.GetDestinationAsync("hook", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<DestinationDefinition>(Destination("hook"), "etag"));

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            Service().CreateSyncAsync(Sync("orders", "hook") with { Identifiers = [new IdentifierMapping("email", KeyKind.Email)] }));

        // Assert: the strict store saw the destination read and nothing else.
        Assert.Equal(["destination type 'webhook' takes keys of kind UserId, not Email"], error.Errors["identifiers"]);
        _store.Verify(s => s.GetDestinationAsync("hook", It.IsAny<CancellationToken>()), Times.Once);
        _store.VerifyNoOtherCalls();
    }

    private DefinitionService Service() => new(_store.Object, Mock.Of<ISecretStore>(), _registry.Object, TimeProvider.System);

    private static DestinationDefinition Destination(string id) => new() { Id = id, Name = "Destination " + id, Type = "webhook" };

    private static SyncDefinition Sync(string id, string destinationId) => new()
    {
        Id = id,
        Name = "Sync " + id,
        DestinationId = destinationId,
        Source = new SourceDefinition("file", "/data/cohort.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };
}
