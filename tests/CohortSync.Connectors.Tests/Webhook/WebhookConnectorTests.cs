using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Webhook;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Logging;
using Moq;

namespace CohortSync.Connectors.Tests.Webhook;

/// <summary>The webhook connector on a stub handler: the request it sends, how it reads the answer, and what it never leaks.</summary>
public sealed class WebhookConnectorTests : IDisposable
{
    private const string Secret = "wh-signing-secret-0123456789";
    private static readonly Uri Url = new("https://hooks.example.test/cohorts/in?team=7");

    private readonly Mock<ISecretStore> _secrets = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _logging;
    private readonly RateLimitRegistry _limits;
    private HttpClient? _http;

    public WebhookConnectorTests()
    {
        _secrets.Setup(s => s.GetSecretAsync("wh-key", It.IsAny<CancellationToken>())).ReturnsAsync(Secret);
        _logging = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        _limits = new RateLimitRegistry(TimeProvider.System, _logging.CreateLogger<RateLimitRegistry>());
    }

    public void Dispose()
    {
        _http?.Dispose();
        _limits.Dispose();
        _logging.Dispose();
    }

    [Fact]
    public async Task SendAsync_Batch_PostsItsChangesAsJsonToTheUrl()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));
        var changes = new[]
        {
            Change(ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u-1"), ("plan", "pro")),
            Change(ChangeKind.Remove, new DestinationKey(KeyKind.Email, "a@example.com")),
            Change(ChangeKind.Update, new DestinationKey(KeyKind.Alias, "al-9", "crm")),
        };

        // Act
        await connector.SendAsync(Destination(), Request(changes), CancellationToken.None);

        // Assert
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(Url, request.RequestUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        AssertJson(
            """
            {"syncId":"sync-1","runId":"run-1","batch":3,"container":"sync-1","changes":[
              {"op":"add","kind":"userId","id":"u-1","fields":{"plan":"pro"}},
              {"op":"remove","kind":"email","id":"a@example.com"},
              {"op":"update","kind":"alias","id":"al-9","label":"crm"}]}
            """,
            body);
    }

    [Fact]
    public async Task SendAsync_Batch_SignsTheExactBodyWithTheSecretAndKeysItByRunAndBatch()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        await connector.SendAsync(Destination(), Request([Change(ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u-1"))]), CancellationToken.None);

        // Assert: the HMAC recomputed here with the framework, apart from the connector's code.
        var (request, body) = Assert.Single(stub.Requests);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body!)));
        Assert.Equal([expected], request.Headers.GetValues(WebhookConnector.SignatureHeader));
        Assert.Equal(["run-1/3"], request.Headers.GetValues("Idempotency-Key"));
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task SendAsync_ReceiverRefusesSome_ReturnsThemWithTheReceiversReasons()
    {
        // Arrange: index 1 without a reason, index 2 with one; index 7 is outside the batch and index -1 is not a position.
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.OK,
            """{"rejected":[{"index":2,"reason":"unknown user"},{"index":1},{"index":7,"reason":"x"},{"index":-1},{"reason":"no index"}]}"""));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Changes(3)), CancellationToken.None);

        // Assert
        Assert.Equal([new MemberRejection(2, "webhook: unknown user"), new MemberRejection(1, "webhook: rejected")], result.Rejections);
        Assert.Equal(1, result.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ok")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""{"rejected":"none"}""")]
    public async Task SendAsync_AnyOther2xxAnswer_AcceptsTheWholeBatch(string? answer)
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => new HttpResponseMessage(HttpStatusCode.Accepted) { Content = answer is null ? null : new StringContent(answer) });

        // Act
        var result = await connector.SendAsync(Destination(), Request(Changes(3)), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(1, result.Requests);
    }

    [Fact]
    public async Task SendAsync_ReceiverAnswers_SettlesEveryChangeOfTheBatchWithItsRefusals()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"rejected":[{"index":1,"reason":"no"}]}"""));
        var delivery = new DeliveryLog();

        // Act
        await connector.SendAsync(Destination(), Request(Changes(3), delivery), CancellationToken.None);

        // Assert
        Assert.Equal([0, 1, 2], delivery.SettledIndexes());
        Assert.Equal([new MemberRejection(1, "webhook: no")], delivery.Rejections());
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Gone)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public async Task SendAsync_4xxRefusal_ThrowsRejectedAndSettlesNothing(HttpStatusCode status)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(status));
        var delivery = new DeliveryLog();

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => connector.SendAsync(Destination(), Request(Changes(2), delivery), CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(WebhookConnector.TypeName, error.Destination);
        Assert.Single(stub.Requests);
        Assert.Equal(0, delivery.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task SendAsync_5xxOr429_ThrowsRetryableAndSettlesNothing(HttpStatusCode status)
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(status));
        var delivery = new DeliveryLog();

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), Request(Changes(2), delivery), CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(0, delivery.Count);
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfter_CarriesTheWait()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_ConnectionDrops_ThrowsRetryable()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Null(error.StatusCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task SendAsync_401_ReadsTheSecretAfreshAndSignsTheRetryWithIt()
    {
        // Arrange: the key was rotated; the cached value is stale until invalidated.
        _secrets.SetupSequence(s => s.GetSecretAsync("wh-key", It.IsAny<CancellationToken>())).ReturnsAsync("old-secret").ReturnsAsync(Secret);
        var (connector, stub) = Create((_, _, i) => StubHttpMessageHandler.Status(i == 0 ? HttpStatusCode.Unauthorized : HttpStatusCode.OK));

        // Act
        await connector.SendAsync(Destination(), Request(Changes(1)), CancellationToken.None);

        // Assert
        Assert.Equal(2, stub.Requests.Count);
        _secrets.Verify(s => s.Invalidate("wh-key"), Times.Once);
        var (retry, body) = stub.Requests[1];
        Assert.Equal([WebhookConnector.Sign(Secret, Encoding.UTF8.GetBytes(body!))], retry.Headers.GetValues(WebhookConnector.SignatureHeader));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, 2)]
    [InlineData(HttpStatusCode.Forbidden, 1)]
    public async Task SendAsync_KeyRefused_ThrowsAuthAfterOneFreshRead(HttpStatusCode status, int requests)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(status));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => connector.SendAsync(Destination(), Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(requests, stub.Requests.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task SendAsync_AnyAnswer_KeepsTheSecretOutOfLogsErrorsAndTheBody(HttpStatusCode status)
    {
        // Arrange: the receiver echoes the signature header back, as a careless one might.
        var (connector, stub) = Create((request, _, _) =>
            StubHttpMessageHandler.Status(status, JsonSerializer.Serialize(new { error = request.Headers.GetValues(WebhookConnector.SignatureHeader).Single() })));

        // Act
        var error = await Record.ExceptionAsync(() => connector.SendAsync(Destination(), Request(Changes(2)), CancellationToken.None));

        // Assert
        Assert.DoesNotContain(Secret, error?.ToString() ?? string.Empty, StringComparison.Ordinal);
        Assert.All(_logs.Lines, line => Assert.DoesNotContain(Secret, line, StringComparison.Ordinal));
        Assert.All(stub.Requests, r => Assert.DoesNotContain(Secret, r.Body!, StringComparison.Ordinal));
        Assert.All(stub.Requests, r => Assert.DoesNotContain(Secret, r.Request.Headers.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_NoSecretName_ThrowsValidationWithoutSending()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => connector.SendAsync(Destination() with { SecretName = null }, Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Contains("secretName", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hooks.example.test/in")]
    [InlineData("ftp://hooks.example.test/in")]
    [InlineData("/relative/path")]
    public async Task SendAsync_NoAbsoluteHttpUrl_ThrowsValidationNamingTheSettingWithoutSending(string? url)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));
        var settings = new Dictionary<string, string> { ["requestsPerSecond"] = "1000" };
        if (url is not null)
        {
            settings["url"] = url;
        }

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => connector.SendAsync(Destination() with { Settings = settings }, Request(Changes(1)), CancellationToken.None));

        // Assert
        Assert.Contains("'url'", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Theory]
    [InlineData(null, "sync-1")]
    [InlineData("earlier-container", "earlier-container")]
    public async Task EnsureContainerAsync_ValidUrl_ReturnsTheExistingContainerOrTheSyncIdWithoutARequest(string? existing, string expected)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var container = await connector.EnsureContainerAsync(Destination(), new ContainerRequest("sync-1", "Trial users", existing, DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal(expected, container);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Describe_AnyDestination_TakesEveryKeyKindInBatchesOfUpTo10000()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var capabilities = connector.Describe(Destination());

        // Assert
        Assert.Equal(10_000, capabilities.MaxBatchSize);
        Assert.Equal(Enum.GetValues<KeyKind>(), capabilities.KeyKinds);
    }

    private (WebhookConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        _http = new HttpClient(stub);
        return (new WebhookConnector(_http, _secrets.Object, _limits, TimeProvider.System), stub);
    }

    private static DestinationDefinition Destination() => new()
    {
        Id = "hook",
        Name = "Webhook",
        Type = WebhookConnector.TypeName,
        SecretName = "wh-key",
        Settings = new Dictionary<string, string> { ["url"] = Url.ToString(), ["requestsPerSecond"] = "1000" },
    };

    private static SendRequest Request(IReadOnlyList<SnapshotChange> changes, DeliveryLog? delivery = null) =>
        new("sync-1", "run-1", 3, "sync-1", changes, Delivery: delivery);

    private static SnapshotChange[] Changes(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Change(ChangeKind.Add, new DestinationKey(KeyKind.UserId, "u-" + i)))];

    private static SnapshotChange Change(ChangeKind kind, DestinationKey key, params (string Name, string Value)[] fields) =>
        new(kind, SnapshotEntry.Create(key.Encode(), MemberPayload.Encode([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))])));

    private static void AssertJson(string expected, string? actual)
    {
        static string Normalize(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
        Assert.Equal(Normalize(expected), Normalize(actual!));
    }
}
