using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Identity;
using CohortSync.TestHelpers;

namespace CohortSync.Connectors.Tests.Iterable;

/// <summary>Finding or creating the list, what the connector declares, and which keys it takes.</summary>
public sealed class IterableContainerTests : IterableConnectorTestBase
{
    [Fact]
    public async Task EnsureContainerAsync_StaticListsWithTheName_ReturnsTheOldestWithoutCreating()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, """
            {"lists":[
              {"id":3,"name":"[Amplitude] Trial users","listType":"Dynamic"},
              {"id":4,"name":"[Amplitude] trial users","listType":"Standard"},
              {"id":9,"name":"[Amplitude] Trial users","listType":"Standard"},
              {"id":7,"name":"[Amplitude] Trial users","listType":"Standard"}]}
            """));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container(), CancellationToken.None);

        // Assert
        Assert.Equal("7", id);
        var (request, _) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(new Uri("https://api.iterable.com/api/lists"), request.RequestUri);
    }

    [Theory]
    [InlineData(null, "[Amplitude] Trial users")]
    [InlineData("", "Trial users")]
    [InlineData("CS / ", "CS / Trial users")]
    public async Task EnsureContainerAsync_NoListWithTheName_CreatesOneNamedWithThePrefix(string? prefix, string expected)
    {
        // Arrange
        var (connector, stub) = Create((request, _, _) => request.Method == HttpMethod.Get
            ? StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"lists":[{"id":1,"name":"Other","listType":"Standard"}]}""")
            : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"listId":12345}"""));
        var destination = prefix is null ? Destination() : Destination(("listPrefix", prefix));

        // Act
        var id = await connector.EnsureContainerAsync(destination, Container(), CancellationToken.None);

        // Assert
        Assert.Equal("12345", id);
        Assert.Equal(2, stub.Requests.Count);
        var (create, body) = stub.Requests[1];
        Assert.Equal(new Uri("https://api.iterable.com/api/lists"), create.RequestUri);
        Assert.Equal(expected, JsonDocument.Parse(body!).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task EnsureContainerAsync_ExistingListStillThere_ReturnsItEvenIfRenamed()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"lists":[{"id":55,"name":"Renamed in Iterable","listType":"Standard"}]}"""));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container(existing: "55"), CancellationToken.None);

        // Assert
        Assert.Equal("55", id);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task EnsureContainerAsync_ExistingListDeleted_CreatesANewOne()
    {
        // Arrange
        var (connector, stub) = Create((request, _, _) => request.Method == HttpMethod.Get
            ? StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"lists":[]}""")
            : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"listId":56}"""));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container(existing: "55"), CancellationToken.None);

        // Assert
        Assert.Equal("56", id);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public void Describe_Always_TakesUserIdsAndEmailsInBatchesOfTheRequestCap()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var capabilities = connector.Describe(Destination(("updateExistingUsersOnly", "true")));

        // Assert
        Assert.Equal(IterableConnector.SubscribersPerRequest, capabilities.MaxBatchSize);
        Assert.Equal([KeyKind.UserId, KeyKind.Email], capabilities.KeyKinds);
        Assert.Contains(capabilities.Notes, n => n.Contains("updateExistingUsersOnly", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(KeyKind.UserId, "user-1", null)]
    [InlineData(KeyKind.UserId, "12345678901234567890123456789012345678901234567890123", IterableIdentifierRules.LongUserId)]
    [InlineData(KeyKind.Email, "a@example.com", null)]
    [InlineData(KeyKind.Email, "not-an-email", IterableIdentifierRules.InvalidEmail)]
    [InlineData(KeyKind.DeviceId, "device-1", "Iterable takes userId or email keys only")]
    public void Validate_Key_AppliesTheRulesOfItsKind(KeyKind kind, string value, string? expected)
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var reason = connector.Validate(new DestinationKey(kind, value), null);

        // Assert
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryDataFields_CarriedIdentifiers_AreNotSentAsDataFields()
    {
        // Arrange
        var fields = new Dictionary<string, string> { ["email"] = "x@example.com", ["userId"] = "other", ["plan"] = "pro" };

        // Act
        var ok = IterableBatchPlan.TryDataFields(fields, IterableFieldTypes.None, out var dataFields, out _);

        // Assert
        Assert.True(ok);
        Assert.Equal(["plan"], dataFields.Keys);
    }
}
