using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Iterable;

public sealed class IterableConnectorTests : IterableConnectorTestBase
{
    private const string Ok = """{"successCount":0,"failCount":0,"invalidEmails":[],"invalidUserIds":[],"failedUpdates":{}}""";

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
        Secrets.Verify(s => s.Invalidate("it-key"), Times.Once);
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
    public async Task SendAsync_Bare429ThenSuccess_ReportsTheRateTheCredentialLearned()
    {
        // Arrange: refused with neither Retry-After nor X-RateLimit-*, then accepted on the handler's retry.
        var (connector, stub) = Create(
            (_, _, i) => i == 0
                ? StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests, """{"code":"RateLimitExceeded","msg":"Rate limit exceeded"}""")
                : StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok),
            resilient: true);

        // Act
        var result = await connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]), CancellationToken.None);
        var untouched = await connector.SendAsync(Destination() with { SecretName = "other-key" }, Request([Change(ChangeKind.Add, KeyKind.UserId, "u-2")]), CancellationToken.None);

        // Assert: refused at 990 a second (99% of 1000) and cut to half of it; the other credential learned nothing.
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(990 * 0.5, result.RequestsPerSecond!.Value, 9);
        Assert.Null(untouched.RequestsPerSecond);
    }

    [Fact]
    public async Task SendAsync_RateAnEarlierRunLearned_StartsTheFreshCredentialNearIt()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, Ok), resilient: true);

        // Act
        var result = await connector.SendAsync(
            Destination(), Request([Change(ChangeKind.Add, KeyKind.UserId, "u-1")]) with { LearnedRequestsPerSecond = 40 }, CancellationToken.None);

        // Assert
        Assert.Equal(40 * (1 + AdaptiveRateLimiter.SeedHeadroom), result.RequestsPerSecond!.Value, 9);
    }

    [Theory]
    [MemberData(nameof(Resolved.Keys), MemberType = typeof(Resolved))]
    public void Validate_ResolvedMember_GivesTheReasonOfTheStringCheck(KeyKind kind, string value)
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => new HttpResponseMessage(HttpStatusCode.OK));
        var member = Resolved.Member(kind, value);

        // Act
        var reason = connector.Validate(member);

        // Assert
        Assert.Equal(connector.Validate(new DestinationKey(kind, value), null), reason);
    }
}
