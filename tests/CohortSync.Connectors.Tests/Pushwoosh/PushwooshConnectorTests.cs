using System.Net;
using System.Text.Json;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using static CohortSync.Connectors.Tests.Pushwoosh.PushwooshFixture;

namespace CohortSync.Connectors.Tests.Pushwoosh;

public sealed class PushwooshConnectorTests : IDisposable
{
    private readonly PushwooshFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task SendAsync_SixtyOneChanges_PostsOneBulkRequestWithTheServerTokenInTheBodyThenPollsItsStatus()
    {
        // Arrange
        var stub = Vendor(statuses: ["Pending", "Processing", "Completed"]);
        var request = Request(Adds(60).Append(Change(ChangeKind.Remove, "gone@example.com")));

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(4, result.Requests);
        var (post, body) = stub.Requests[0];
        Assert.Equal("/api/v2/audience/bulkSetTags", post.RequestUri!.AbsolutePath);
        Assert.Null(post.Headers.Authorization);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("server-token", json.RootElement.GetProperty("auth").GetString());
        Assert.Equal(61, json.RootElement.GetProperty("devices").GetArrayLength());
        Assert.All(stub.Requests.Skip(1), r => Assert.Equal("http://pushwoosh.test/api/v2/audience/bulkSetTags/req-1?detailed=true", r.Request.RequestUri!.ToString()));
    }

    [Fact]
    public async Task SendAsync_TwoChanges_GoThroughOneBulkRequestAndNothingElse()
    {
        // Arrange: fewer than 50 users; no documented user-keyed path serves them but bulkSetTags.
        var stub = Vendor();
        var request = Request([Change(ChangeKind.Add, "a@example.com"), Change(ChangeKind.Remove, "b@example.com")]);

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(["/api/v2/audience/bulkSetTags", "/api/v2/audience/bulkSetTags/req-1"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        Assert.Equal(2, JsonDocument.Parse(stub.Requests[0].Body!).RootElement.GetProperty("devices").GetArrayLength());
    }

    [Fact]
    public async Task SendAsync_UnknownAndSkippedUsers_AreRejectedWithTheirReasonsAndAnUnknownRemoveIsDone()
    {
        // Arrange
        const string detail = """
            ,"failed":3,"skipped":1,"errors":[{"user_id":"u3@example.com","code":"user_not_found"},{"user_id":"gone@example.com","code":"user_not_found"},
            {"user_id":"u7@example.com","code":"Quota exceeded for u7@example.com"}],"skipped_devices":[{"user_id":"u9@example.com","code":"user_blocked"}]
            """;
        var stub = Vendor(detail: detail);
        var delivery = new DeliveryLog();
        var request = Request(Adds(20).Append(Change(ChangeKind.Remove, "gone@example.com")), delivery);

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Equal(
            [
                new MemberRejection(3, "pushwoosh: user not found"),
                new MemberRejection(7, "pushwoosh: the user's tags could not be updated"),
                new MemberRejection(9, "pushwoosh: skipped: user blocked"),
            ],
            result.Rejections.OrderBy(r => r.Index));
        Assert.Equal(21, delivery.Count);
        Assert.Equal(result.Rejections.OrderBy(r => r.Index), delivery.Rejections());
    }

    [Fact]
    public async Task SendAsync_StatusCountsSkippedUsersItDoesNotName_RejectsEveryUnnamedMember()
    {
        // Arrange
        var stub = Vendor(detail: ""","skipped":2,"skipped_devices":[{"user_id":"u1@example.com","code":"user_blocked"}]""");
        var request = Request(Adds(3));

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Equal([0, 1, 2], result.Rejections.Select(r => r.Index).Order());
        Assert.Equal("pushwoosh: skipped: user blocked", result.Rejections.Single(r => r.Index == 1).Reason);
    }

    [Fact]
    public async Task SendAsync_UserIdIdentifier_SendsUserIdsAsUserIdAndRejectsAStoredEmailKey()
    {
        // Arrange
        var stub = Vendor();
        var request = Request([Change(ChangeKind.Add, "user-42", KeyKind.UserId), Change(ChangeKind.Add, "a@example.com")]);

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(("identifier", "userId")), request, CancellationToken.None);

        // Assert
        var device = Assert.Single(JsonDocument.Parse(stub.Requests[0].Body!).RootElement.GetProperty("devices").EnumerateArray());
        Assert.Equal("user-42", device.GetProperty("user_id").GetString());
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal((1, "pushwoosh: the destination identifies users by UserId, not Email"), (rejection.Index, rejection.Reason));
    }

    [Fact]
    public async Task SendAsync_SecondPartFails_RecordsTheFirstPartAsSettledBeforeThrowing()
    {
        // Arrange: the second bulkSetTags answers 400, so the batch fails after the first part's job completed.
        var posts = 0;
        var stub = new StubHttpMessageHandler((request, _, _) => request.Method == HttpMethod.Post && ++posts == 2
            ? StubHttpMessageHandler.Status(HttpStatusCode.BadRequest, """{"message":"invalid request"}""")
            : request.Method == HttpMethod.Post ? Json("""{"request_id":"req-1","status":"Pending"}""") : Json("""{"status":"Completed"}"""));
        var delivery = new DeliveryLog();
        var request = Request(Adds(130), delivery);

        // Act
        await Assert.ThrowsAsync<DestinationRejectedException>(() => _fixture.Connector(stub).SendAsync(Destination(("maxDevicesPerRequest", "100")), request, CancellationToken.None));

        // Assert
        Assert.Equal(Enumerable.Range(0, 65), delivery.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_StatusNeverFinishes_ThrowsRetryableAfterTheConfiguredPollsAndSettlesNothing()
    {
        // Arrange
        var stub = Vendor(statuses: ["Pending"]);
        var delivery = new DeliveryLog();

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(
            () => _fixture.Connector(stub).SendAsync(Destination(("statusPolls", "3")), Request(Adds(50), delivery), CancellationToken.None));

        // Assert
        Assert.Contains("had not finished after 3 status reads", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, stub.Requests.Count);
        Assert.Equal(0, delivery.Count);
    }

    [Fact]
    public async Task SendAsync_JobFailedAsAWhole_ThrowsRetryable()
    {
        // Act / Assert
        await Assert.ThrowsAsync<RetryableDestinationException>(
            () => _fixture.Connector(Vendor(statuses: ["Failed"])).SendAsync(Destination(), Request(Adds(50)), CancellationToken.None));
    }

    [Fact]
    public async Task SendAsync_TokenNotAllowedTheApplication_ThrowsAuthWithoutTheToken()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.Forbidden, """{"status_code":403,"status_message":"Token restrictions forbid this operation","response":null}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => _fixture.Connector(stub).SendAsync(Destination(), Request(Adds(50)), CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.DoesNotContain("server-token", error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task SendAsync_MoreThanTheDeviceCap_SplitsIntoEvenBulkRequests()
    {
        // Arrange
        var stub = Vendor();

        // Act
        var result = await _fixture.Connector(stub).SendAsync(Destination(("maxDevicesPerRequest", "100")), Request(Adds(130)), CancellationToken.None);

        // Assert
        var posts = stub.Requests.Where(r => r.Request.Method == HttpMethod.Post).Select(r => JsonDocument.Parse(r.Body!).RootElement.GetProperty("devices").GetArrayLength());
        Assert.Equal([65, 65], posts);
        Assert.Equal(4, result.Requests);
    }

    [Theory]
    [MemberData(nameof(Resolved.Keys), MemberType = typeof(Resolved))]
    public void Validate_ResolvedMember_GivesTheReasonOfTheStringCheck(KeyKind kind, string value)
    {
        // Arrange
        var connector = _fixture.Connector(new StubHttpMessageHandler((_, _, _) => new HttpResponseMessage(System.Net.HttpStatusCode.OK)));
        var member = Resolved.Member(kind, value);

        // Act
        var reason = connector.Validate(member);

        // Assert
        Assert.Equal(connector.Validate(new DestinationKey(kind, value), null), reason);
    }
}
