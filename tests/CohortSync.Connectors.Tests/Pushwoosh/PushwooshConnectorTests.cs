using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Pushwoosh;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Pushwoosh;

public sealed class PushwooshConnectorTests : IDisposable
{
    private const string Application = "ABCDE-12345";
    private readonly Mock<ISecretStore> _secrets = new();
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly List<HttpClient> _clients = [];

    public PushwooshConnectorTests()
    {
        _secrets.Setup(s => s.GetSecretAsync("pw-server", It.IsAny<CancellationToken>())).ReturnsAsync("server-token");
        _secrets.Setup(s => s.GetSecretAsync("pw-device", It.IsAny<CancellationToken>())).ReturnsAsync("device-token");
    }

    public void Dispose()
    {
        _limits.Dispose();
        _clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task SendAsync_FiftyOrMoreChanges_PostsOneBulkRequestWithTheServerTokenInTheBodyThenPollsItsStatus()
    {
        // Arrange
        var stub = Vendor(statuses: ["Pending", "Processing", "Completed"]);
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 60).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")).Append(Change(ChangeKind.Remove, "gone@example.com")));

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(4, result.Requests);
        var (post, body) = stub.Requests[0];
        Assert.Equal(HttpMethod.Post, post.Method);
        Assert.Equal("/api/v2/audience/bulkSetTags", post.RequestUri!.AbsolutePath);
        Assert.Null(post.Headers.Authorization);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal(Application, json.RootElement.GetProperty("application").GetString());
        Assert.Equal("server-token", json.RootElement.GetProperty("auth").GetString());
        var devices = json.RootElement.GetProperty("devices");
        Assert.Equal(61, devices.GetArrayLength());
        Assert.Equal("append", devices[0].GetProperty("list_operator").GetString());
        Assert.Equal("remove", devices[60].GetProperty("list_operator").GetString());
        Assert.Equal("Trial users", devices[60].GetProperty("tags").GetProperty("Amplitude Cohorts")[0].GetString());
        Assert.All(stub.Requests.Skip(1), r => Assert.Equal("http://pushwoosh.test/api/v2/audience/bulkSetTags/req-1?detailed=true", r.Request.RequestUri!.ToString()));
        Assert.All(stub.Requests.Skip(1), r => Assert.Equal(HttpMethod.Get, r.Request.Method));
    }

    [Fact]
    public async Task SendAsync_CompletedWithUnknownUsers_RejectsTheAddsAndAcceptsTheRemoves()
    {
        // Arrange
        var errors = """[{"user_id":"u3@example.com","code":"user_not_found","message":"user not found"},{"user_id":"gone@example.com","code":"user_not_found","message":"user not found"},{"user_id":"u7@example.com","code":"Quota exceeded for u7@example.com","message":"?"}]""";
        var stub = Vendor(statuses: ["Completed"], errors: errors);
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 60).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")).Append(Change(ChangeKind.Remove, "gone@example.com")));

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Equal(
            [new MemberRejection(3, "pushwoosh: user not found"), new MemberRejection(7, "pushwoosh: the user's tags could not be updated")],
            result.Rejections.OrderBy(r => r.Index));
    }

    [Fact]
    public async Task SendAsync_FewerThanFiftyChanges_SendsSetTagsPerUserWithTheDeviceTokenHeader()
    {
        // Arrange
        var stub = Vendor();
        var connector = Connector(stub);
        var request = Request([Change(ChangeKind.Add, "a@example.com"), Change(ChangeKind.Remove, "b@example.com")]);

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Requests);
        Assert.All(stub.Requests, r => Assert.Equal("/json/1.3/setTags", r.Request.RequestUri!.AbsolutePath));
        Assert.All(stub.Requests, r => Assert.Equal(("Token", "device-token"), (r.Request.Headers.Authorization!.Scheme, r.Request.Headers.Authorization.Parameter)));
        using var second = JsonDocument.Parse(stub.Requests[1].Body!);
        var tag = second.RootElement.GetProperty("request").GetProperty("tags").GetProperty("Amplitude Cohorts");
        Assert.Equal("b@example.com", second.RootElement.GetProperty("request").GetProperty("userId").GetString());
        Assert.Equal("remove", tag.GetProperty("operation").GetString());
        Assert.DoesNotContain("server-token", stub.Requests.Select(r => r.Body), StringComparer.Ordinal);
    }

    [Fact]
    public async Task SendAsync_OneUsersSetTagsFailsTransientlyTwice_TriesThatUserAgainWithoutResendingTheOthers()
    {
        // Arrange: requests 1 and 2 (the second user's first two tries) answer 503.
        var stub = new StubHttpMessageHandler((_, _, i) => i is 1 or 2
            ? StubHttpMessageHandler.Status(HttpStatusCode.ServiceUnavailable)
            : Json("""{"status_code":200,"status_message":"OK","response":null}"""));
        var connector = Connector(stub);
        var request = Request([Change(ChangeKind.Add, "a@example.com"), Change(ChangeKind.Add, "b@example.com"), Change(ChangeKind.Add, "c@example.com")]);

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(5, stub.Requests.Count);
        Assert.Equal(5, result.Requests);
        Assert.Single(stub.Requests, r => r.Body!.Contains("a@example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_SetTagsArgumentError_RejectsThatUserOnly()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, body, _) => body!.Contains("bad@", StringComparison.Ordinal)
            ? Json("""{"status_code":210,"status_message":"Invalid userId bad@example.com","response":null}""")
            : Json("""{"status_code":200,"status_message":"OK","response":null}"""));
        var connector = Connector(stub);
        var request = Request([Change(ChangeKind.Add, "ok@example.com"), Change(ChangeKind.Add, "bad@example.com")]);

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("pushwoosh: setTags refused the user (status 210)", rejection.Reason);
    }

    [Fact]
    public async Task SendAsync_StatusNeverFinishes_ThrowsRetryableAfterTheConfiguredPolls()
    {
        // Arrange
        var stub = Vendor(statuses: Enumerable.Repeat("Pending", 100).ToArray());
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 50).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(("statusPolls", "3")), request, CancellationToken.None));

        // Assert
        Assert.Contains("had not finished after 3 status reads", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, stub.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_JobFailedAsAWhole_ThrowsRetryable()
    {
        // Arrange
        var stub = Vendor(statuses: ["Failed"]);
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 50).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")));

        // Act / Assert
        await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), request, CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_TokenNotAllowedTheApplication_ThrowsAuthWithoutTheToken()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.Forbidden, """{"status_code":403,"status_message":"Token restrictions forbid this operation","response":null}"""));
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 50).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => connector.SendAsync(Destination(), request, CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.DoesNotContain("server-token", error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task SendAsync_MoreThanTheDeviceCap_SplitsIntoEvenBulkRequests()
    {
        // Arrange
        var stub = Vendor(statuses: ["Completed", "Completed"]);
        var connector = Connector(stub);
        var request = Request(Enumerable.Range(0, 130).Select(i => Change(ChangeKind.Add, $"u{i}@example.com")));

        // Act
        var result = await connector.SendAsync(Destination(("maxDevicesPerRequest", "100")), request, CancellationToken.None);

        // Assert
        var posts = stub.Requests.Where(r => r.Request.Method == HttpMethod.Post).Select(r => JsonDocument.Parse(r.Body!).RootElement.GetProperty("devices").GetArrayLength()).ToList();
        Assert.Equal([65, 65], posts);
        Assert.Equal(4, result.Requests);
    }

    [Fact]
    public async Task EnsureContainerAsync_TagMissing_CreatesItAsAListTagAndReturnsTheCohortName()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Language","type":2}]""", tagsAfterAdd: """[{"name":"Amplitude Cohorts","type":3}]""");
        var connector = Connector(stub);

        // Act
        var container = await connector.EnsureContainerAsync(Destination(), new ContainerRequest("s1", " Trial users ", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Equal(["/json/1.3/listTags", "/json/1.3/addTag"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        using var add = JsonDocument.Parse(stub.Requests[1].Body!);
        Assert.Equal("server-token", add.RootElement.GetProperty("request").GetProperty("auth").GetString());
        Assert.Equal(3, add.RootElement.GetProperty("request").GetProperty("tag").GetProperty("type").GetInt32());
    }

    [Fact]
    public async Task EnsureContainerAsync_TagExistsAndContainerKnown_AddsNothingAndKeepsTheOldName()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Amplitude Cohorts","type":3}]""");
        var connector = Connector(stub);

        // Act
        var container = await connector.EnsureContainerAsync(Destination(), new ContainerRequest("s1", "Renamed cohort", "Trial users", DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task EnsureContainerAsync_TagExistsWithAnotherType_ThrowsRejected()
    {
        // Arrange
        var stub = Vendor(tags: """[{"name":"Amplitude Cohorts","type":2}]""");
        var connector = Connector(stub);

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => connector.EnsureContainerAsync(Destination(), new ContainerRequest("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None));

        // Assert
        Assert.Contains("not a list tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureContainerAsync_ManageTagOff_SendsNothing()
    {
        // Arrange
        var stub = Vendor();
        var connector = Connector(stub);

        // Act
        var container = await connector.EnsureContainerAsync(Destination(("manageTag", "false")), new ContainerRequest("s1", "Trial users", null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("Trial users", container);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Describe_MissingSettings_NamesEachOne()
    {
        // Arrange
        var connector = Connector(Vendor());
        var destination = new DestinationDefinition { Id = "pw", Name = "pw", Type = "pushwoosh", Settings = new Dictionary<string, string> { ["statusPolls"] = "0" } };

        // Act
        var error = Assert.Throws<ValidationException>(() => connector.Describe(destination));

        // Assert
        Assert.Equal(["applicationCode", "deviceTokenSecretName", "secretName", "statusPolls"], error.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Describe_ValidDestination_TakesEmailOnlyAndSaysUsersAreNeverCreated()
    {
        // Act
        var capabilities = Connector(Vendor()).Describe(Destination());

        // Assert
        Assert.Equal([KeyKind.Email], capabilities.KeyKinds);
        Assert.Equal(10_000, capabilities.MaxBatchSize);
        Assert.Contains(capabilities.Notes, n => n.Contains("never creates users", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(KeyKind.UserId, "user-1", "pushwoosh takes email keys only")]
    [InlineData(KeyKind.Email, "not-an-email", "invalid email: needs exactly one '@'")]
    [InlineData(KeyKind.Email, "ok@example.com", null)]
    public void Validate_Key_ReturnsTheReasonOrNull(KeyKind kind, string value, string? expected)
    {
        // Act
        var reason = Connector(Vendor()).Validate(new DestinationKey(kind, value), null);

        // Assert
        Assert.Equal(expected, reason);
    }

    [Theory]
    [InlineData("user_not_found", "pushwoosh: user not found")]
    [InlineData("USER_NOT_FOUND", "pushwoosh: user not found")]
    [InlineData("x@example.com not found", "pushwoosh: the user's tags could not be updated")]
    [InlineData(null, "pushwoosh: the user's tags could not be updated")]
    public void ReasonFor_Code_NeverCarriesAnIdentifier(string? code, string expected)
    {
        // Act / Assert
        Assert.Equal(expected, PushwooshConnector.ReasonFor(code));
    }

    private PushwooshConnector Connector(StubHttpMessageHandler stub)
    {
        var client = new HttpClient(stub);
        _clients.Add(client);
        return new PushwooshConnector(client, _secrets.Object, _limits, TimeProvider.System);
    }

    private static DestinationDefinition Destination(params (string Name, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["baseUrl"] = "http://pushwoosh.test",
            ["applicationCode"] = Application,
            ["deviceTokenSecretName"] = "pw-device",
            ["statusPollDelayMs"] = "1",
            ["requestsPerSecond"] = "10000",
        };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return new DestinationDefinition { Id = "pw", Name = "Pushwoosh", Type = "pushwoosh", Settings = settings, SecretName = "pw-server" };
    }

    private static SnapshotChange Change(ChangeKind kind, string email) =>
        new(kind, SnapshotEntry.Create(new DestinationKey(KeyKind.Email, email).Encode(), null));

    private static SendRequest Request(IEnumerable<SnapshotChange> changes) => new("s1", "r1", 0, "Trial users", changes.ToList());

    private static HttpResponseMessage Json(string json) => StubHttpMessageHandler.Status(HttpStatusCode.OK, json);

    // A scripted vendor: bulkSetTags gives request id req-1, status reads walk through the given states, setTags succeeds,
    // listTags lists the given tags (and tagsAfterAdd once addTag was called).
    private static StubHttpMessageHandler Vendor(string[]? statuses = null, string errors = "[]", string tags = "[]", string? tagsAfterAdd = null)
    {
        var polls = 0;
        var added = false;
        return new StubHttpMessageHandler((request, _, _) =>
        {
            var path = request.RequestUri!.AbsolutePath;
            switch (path)
            {
                case "/api/v2/audience/bulkSetTags":
                    return Json("""{"request_id":"req-1","status":"Pending"}""");
                case "/json/1.3/setTags":
                    return Json("""{"status_code":200,"status_message":"OK","response":null}""");
                case "/json/1.3/addTag":
                    added = true;
                    return Json("""{"status_code":200,"status_message":"OK","response":{"result":true}}""");
                case "/json/1.3/listTags":
                    return Json($$$"""{"status_code":200,"status_message":"OK","response":{"tags":{{{(added && tagsAfterAdd is not null ? tagsAfterAdd : tags)}}}}}""");
                default:
                    var status = statuses![Math.Min(polls++, statuses.Length - 1)];
                    return Json($$"""{"request_id":"req-1","status":"{{status}}","errors":{{errors}}}""");
            }
        });
    }
}
