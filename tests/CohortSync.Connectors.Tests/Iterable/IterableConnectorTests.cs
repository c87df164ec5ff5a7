using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace CohortSync.Connectors.Tests.Iterable;

public sealed class IterableConnectorTests : IDisposable
{
    private const string Secret = "it-secret-value";
    private const string Ok = """{"successCount":0,"failCount":0,"invalidEmails":[],"invalidUserIds":[],"failedUpdates":{}}""";
    private readonly Mock<ISecretStore> _secrets = new();
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private HttpClient? _http;

    public IterableConnectorTests() =>
        _secrets.Setup(s => s.GetSecretAsync("it-key", It.IsAny<CancellationToken>())).ReturnsAsync(Secret);

    public void Dispose()
    {
        _http?.Dispose();
        _limits.Dispose();
    }

    [Fact]
    public async Task SendAsync_AddsUpdatesAndRemoves_SubscribesThenUnsubscribesWithTheApiKey()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));
        var changes = new[]
        {
            Change(ChangeKind.Add, KeyKind.UserId, "u-1", ("plan", "pro"), ("email", "u1@example.com")),
            Change(ChangeKind.Add, KeyKind.Email, "a@example.com"),
            Change(ChangeKind.Remove, KeyKind.UserId, "u-2", ("plan", "free")),
            Change(ChangeKind.Update, KeyKind.UserId, "u-3", ("plan", "team")),
        };

        // Act
        var result = await connector.SendAsync(Destination(), Request(changes), CancellationToken.None);

        // Assert
        Assert.Equal(2, result.Requests);
        Assert.Empty(result.Rejections);
        var (subscribe, subscribeBody) = stub.Requests[0];
        Assert.Equal(new Uri("https://api.iterable.com/api/lists/subscribe"), subscribe.RequestUri);
        Assert.Equal(Secret, Assert.Single(subscribe.Headers.GetValues("Api-Key")));
        AssertJson(
            """
            {"listId":42,"subscribers":[
              {"userId":"u-1","dataFields":{"plan":"pro"},"preferUserId":true},
              {"email":"a@example.com"},
              {"userId":"u-3","dataFields":{"plan":"team"},"preferUserId":true}],
             "updateExistingUsersOnly":false}
            """,
            subscribeBody);
        var (unsubscribe, unsubscribeBody) = stub.Requests[1];
        Assert.Equal(new Uri("https://api.iterable.com/api/lists/unsubscribe"), unsubscribe.RequestUri);
        AssertJson("""{"listId":42,"subscribers":[{"userId":"u-2"}],"channelUnsubscribe":false}""", unsubscribeBody);
    }

    [Fact]
    public async Task SendAsync_RegionEu_UsesTheEuHost()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));

        // Act
        await connector.SendAsync(Destination(("region", "eu")), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None);

        // Assert
        Assert.Equal(new Uri("https://api.eu.iterable.com/api/lists/subscribe"), Assert.Single(stub.Requests).Request.RequestUri);
    }

    [Fact]
    public async Task SendAsync_UnknownRegion_FailsNamingTheSetting()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            connector.SendAsync(Destination(("region", "APAC")), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None));

        // Assert
        Assert.Contains("region", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task SendAsync_MoreChangesThanTheCap_SendsRequestsOfAtMost1000Subscribers()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));
        var changes = Enumerable.Range(0, 2500).Select(i => Change(ChangeKind.Add, KeyKind.UserId, "u-" + i)).ToArray();

        // Act
        var result = await connector.SendAsync(Destination(), Request(changes), CancellationToken.None);

        // Assert
        Assert.Equal(3, result.Requests);
        Assert.Equal([1000, 1000, 500], stub.Requests.Select(r => JsonDocument.Parse(r.Body!).RootElement.GetProperty("subscribers").GetArrayLength()));
    }

    [Fact]
    public async Task SendAsync_FailedUpdates_RejectsThoseMembersByTheirIndexInTheBatch()
    {
        // Arrange: the batch holds a remove first, so subscribe positions differ from batch indexes.
        var (connector, _) = Create((request, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.OK,
            request.RequestUri!.AbsolutePath.EndsWith("/subscribe", StringComparison.Ordinal)
                ? """{"successCount":1,"failCount":2,"failedUpdates":{"invalidEmails":["bad@example.zz"],"notFoundUserIds":["u-9"]}}"""
                : """{"successCount":0,"failCount":1,"failedUpdates":{"notFoundUserIds":["gone"]}}"""));
        var changes = new[]
        {
            Change(ChangeKind.Remove, KeyKind.UserId, "gone"),
            Change(ChangeKind.Add, KeyKind.UserId, "u-1"),
            Change(ChangeKind.Add, KeyKind.Email, "bad@example.zz"),
            Change(ChangeKind.Add, KeyKind.UserId, "u-9"),
        };

        // Act
        var result = await connector.SendAsync(Destination(), Request(changes), CancellationToken.None);

        // Assert
        Assert.Equal(
            [new MemberRejection(2, IterableResponseMapper.InvalidEmail), new MemberRejection(3, IterableResponseMapper.NotFound)],
            result.Rejections);
    }

    [Fact]
    public async Task SendAsync_SettingsForUnknownUsers_AreSentAsAsked()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok));
        var destination = Destination(("updateExistingUsersOnly", "true"), ("preferUserId", "false"));

        // Act
        await connector.SendAsync(destination, Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None);

        // Assert
        AssertJson("""{"listId":42,"subscribers":[{"userId":"u-1"}],"updateExistingUsersOnly":true}""", Assert.Single(stub.Requests).Body);
    }

    [Fact]
    public async Task SendAsync_UnauthorizedTwice_ReReadsTheKeyOnceThenFailsWithoutNamingIt()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized, """{"code":"BadApiKey","msg":"Invalid API key"}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() =>
            connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None));

        // Assert
        Assert.Equal(2, stub.Requests.Count);
        _secrets.Verify(s => s.Invalidate("it-key"), Times.Once);
        Assert.Contains("BadApiKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RateLimited_ThrowsRetryableWithTheWait()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests, """{"code":"RateLimitExceeded","msg":"Rate limit exceeded"}""");
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return response;
        });

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() =>
            connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None));

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.Contains("RateLimitExceeded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_BadRequestEchoingMemberData_ThrowsRejectedWithTheCodeOnly()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.BadRequest, """{"code":"BadParams","msg":"bad user u-1"}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() =>
            connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None));

        // Assert
        Assert.Contains("BadParams", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("u-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_AnswerThatIsNotJson_ThrowsRetryable()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>gateway</html>") });

        // Act
        var act = () => connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None);

        // Assert
        await Assert.ThrowsAsync<RetryableDestinationException>(act);
    }

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

    private (IterableConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        _http = new HttpClient(stub);
        return (new IterableConnector(_http, _secrets.Object, _limits, TimeProvider.System, NullLogger<IterableConnector>.Instance), stub);
    }

    private static DestinationDefinition Destination(params (string Name, string Value)[] settings)
    {
        var all = new Dictionary<string, string> { ["requestsPerSecond"] = "1000" };
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return new DestinationDefinition { Id = "it", Name = "Iterable", Type = IterableConnector.TypeName, SecretName = "it-key", Settings = all };
    }

    private static ContainerRequest Container(string? existing = null) => new("sync-1", "Trial users", existing, DateTimeOffset.UnixEpoch);

    private static SendRequest Request(IReadOnlyList<SnapshotChange> changes) => new("sync-1", "run-1", 0, "42", changes);

    private static SnapshotChange Change(ChangeKind kind, KeyKind keyKind, string value, params (string Name, string Value)[] fields) =>
        new(kind, SnapshotEntry.Create(new DestinationKey(keyKind, value).Encode(), MemberPayload.Encode(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).ToList())));

    private static void AssertJson(string expected, string? actual)
    {
        static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
        Assert.Equal(Normalize(expected), Normalize(actual!));
    }
}
