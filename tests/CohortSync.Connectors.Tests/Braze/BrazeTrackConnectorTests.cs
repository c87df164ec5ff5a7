using System.Net;
using CohortSync.Connectors.Braze;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeTrackConnectorTests : IDisposable
{
    private const string RestKeyName = "braze-rest";
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly Mock<ISecretStore> _secrets = new();

    public BrazeTrackConnectorTests() =>
        _secrets.Setup(s => s.GetSecretAsync(RestKeyName, It.IsAny<CancellationToken>())).ReturnsAsync("rest-key");

    public void Dispose() => _limits.Dispose();

    [Fact]
    public async Task SendAsync_ArrayMode_PostsTheDocumentedAttributesBodyWithTheBearerKey()
    {
        // Arrange: a remove by alias, adds by external id and email, and an update (not sent)
        var stub = Created();
        var request = Send("Trial users",
            (ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u1")),
            (ChangeKind.Remove, new DestinationKey(KeyKind.Alias, "a1", "amplitude")),
            (ChangeKind.Update, new DestinationKey(KeyKind.UserId, "u9")),
            (ChangeKind.Add, new DestinationKey(KeyKind.Email, "e@example.com")));

        // Act
        var result = await Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        var (message, body) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri("https://rest.iad-03.braze.com/users/track"), message.RequestUri);
        Assert.Equal("Bearer rest-key", message.Headers.Authorization?.ToString());
        Assert.Equal(
            "{\"attributes\":["
            + "{\"user_alias\":{\"alias_name\":\"a1\",\"alias_label\":\"amplitude\"},\"_update_existing_only\":true,\"cohortsync_cohorts\":{\"remove\":[\"Trial users\"]}},"
            + "{\"external_id\":\"u1\",\"_update_existing_only\":true,\"cohortsync_cohorts\":{\"add\":[\"Trial users\"]}},"
            + "{\"email\":\"e@example.com\",\"_update_existing_only\":true,\"cohortsync_cohorts\":{\"add\":[\"Trial users\"]}}]}",
            body);
        Assert.Equal(1, result.Requests);
        Assert.Empty(result.Rejections);
        Assert.Equal([0, 1, 2, 3], request.Delivery!.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_BooleanModeCreatingUsers_SetsTrueOnEntryAndFalseOnExit()
    {
        // Arrange
        var stub = Created();
        var destination = Destination(("mode", "booleanAttribute"), ("createUsers", "true"), ("attributePrefix", "in_"));
        var request = Send("in_s1", (ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u1")), (ChangeKind.Remove, new DestinationKey(KeyKind.UserId, "u2")));

        // Act
        await Connector(stub).SendAsync(destination, request, CancellationToken.None);

        // Assert
        Assert.Equal(
            "{\"attributes\":[{\"external_id\":\"u2\",\"_update_existing_only\":false,\"in_s1\":false},{\"external_id\":\"u1\",\"_update_existing_only\":false,\"in_s1\":true}]}",
            Assert.Single(stub.Requests).Body);
    }

    [Fact]
    public async Task SendAsync_MoreThanSeventyFiveMembers_SendsRequestsOfAtMostSeventyFiveObjects()
    {
        // Arrange
        var stub = Created();
        var request = Send("c", [.. Enumerable.Range(0, 160).Select(i => (ChangeKind.Add, new DestinationKey(KeyKind.UserId, $"u{i}")))]);

        // Act
        var result = await Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Equal([75, 75, 10], stub.Requests.Select(r => System.Text.Json.JsonDocument.Parse(r.Body!).RootElement.GetProperty("attributes").GetArrayLength()));
        Assert.Equal(3, result.Requests);
    }

    [Fact]
    public async Task SendAsync_NonFatalObjectError_RefusesThatMemberOnly()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.Created, "{\"message\":\"success\",\"errors\":[{\"type\":\"'external_id' is not valid\",\"input_array\":\"attributes\",\"index\":1}]}"));
        var request = Send("c", (ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u0")), (ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u1")));

        // Act
        var result = await Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Index);
        Assert.Contains("'external_id' is not valid", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal([0, 1], request.Delivery!.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_SecondRequestFails_SettlesOnlyTheFirstRequestsMembers()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, i) => i == 0
            ? StubHttpMessageHandler.Status(HttpStatusCode.Created, "{\"message\":\"success\"}")
            : StubHttpMessageHandler.Status(HttpStatusCode.BadRequest, "{\"message\":\"Valid data must be provided in the 'attributes', 'events', or 'purchases' fields.\"}"));
        var request = Send("c", [.. Enumerable.Range(0, 80).Select(i => (ChangeKind.Add, new DestinationKey(KeyKind.UserId, $"u{i}")))]);

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => Connector(stub).SendAsync(Destination(), request, CancellationToken.None));

        // Assert
        Assert.Contains("Valid data must be provided", error.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 75), request.Delivery!.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_Unauthorized_ThrowsAuthWithoutTheKey()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized, "{\"message\":\"Invalid API key: rest-key\"}"));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() =>
            Connector(stub).SendAsync(Destination(), Send("c", (ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u1"))), CancellationToken.None));

        // Assert
        Assert.DoesNotContain("rest-key", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task EnsureContainerAsync_AttributeModes_SendNothingAndNameTheCohortOnce()
    {
        // Arrange
        var stub = Created();
        var connector = Connector(stub);

        // Act
        var array = await connector.EnsureContainerAsync(Destination(), new ContainerRequest("s1", " Trial users ", null, DateTimeOffset.UnixEpoch), CancellationToken.None);
        var renamed = await connector.EnsureContainerAsync(Destination(), new ContainerRequest("s1", "New name", "Trial users", DateTimeOffset.UnixEpoch), CancellationToken.None);
        var flag = await connector.EnsureContainerAsync(Destination(("mode", "booleanAttribute")), new ContainerRequest("s1", "Trial", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal(("Trial users", "Trial users", "cohortsync_s1"), (array, renamed, flag));
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Describe_AttributeMode_TakesExternalIdsAliasesAndEmailsAndCountsDataPoints()
    {
        // Act
        var capabilities = Connector(Created()).Describe(Destination());

        // Assert
        Assert.Equal([KeyKind.UserId, KeyKind.Alias, KeyKind.Email], capabilities.KeyKinds);
        Assert.Equal(3_000, capabilities.MaxBatchSize);
        Assert.Contains(capabilities.Notes, n => n.Contains("data point", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateSettings_PartnerModeWithoutPartnerName_NamesTheSetting()
    {
        // Act
        var errors = Connector(Created()).ValidateSettings(Destination(("mode", "partnerCohort")));

        // Assert
        Assert.Contains("partnerCohort", Assert.Single(errors["settings.partnerName"]), StringComparison.Ordinal);
        Assert.Empty(Connector(Created()).ValidateSettings(Destination(("mode", "partnerCohort"), ("partnerName", "acme"))));
    }

    private BrazeConnector Connector(StubHttpMessageHandler stub) =>
        new(new HttpClient(stub), _secrets.Object, _limits, TimeProvider.System, Options.Create(new BrazeOptions()), NullLogger<BrazeConnector>.Instance);

    private static StubHttpMessageHandler Created() =>
        new((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.Created, "{\"message\":\"success\"}"));

    private static DestinationDefinition Destination(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["requestsPerSecond"] = "10000", ["cluster"] = "US-03" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new DestinationDefinition { Id = "bz", Name = "Braze", Type = BrazeConnector.TypeName, Settings = settings, SecretName = RestKeyName };
    }

    private static SendRequest Send(string containerId, params (ChangeKind Kind, DestinationKey Key)[] changes) =>
        new("s1", "r1", 0, containerId, [.. changes.Select(c => new SnapshotChange(c.Kind, SnapshotEntry.Create(c.Key.Encode(), null)))], Delivery: new DeliveryLog());
}
