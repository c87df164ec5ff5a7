using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Notifications;
using CohortSync.Core.Errors;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Connectors.Tests.Notifications;

/// <summary>The notification sender on a stub handler: what it signs and sends, and how it reads the answer.</summary>
public sealed class HttpNotificationSenderTests : IDisposable
{
    private const string Secret = "notify-signing-secret-42";
    private const string SlackUrl = "https://hooks.slack.test/services/T000/B000/sEcReTtOkEn";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 11, 0, 0, TimeSpan.Zero);
    private static readonly NotificationTarget Hook = new() { Type = "webhook", Url = "https://ops.example.test/hooks/cohortsync", SecretName = "notify-key" };

    private readonly Mock<ISecretStore> _secrets = new();
    private HttpClient? _http;

    public HttpNotificationSenderTests()
    {
        _secrets.Setup(s => s.GetSecretAsync("notify-key", It.IsAny<CancellationToken>())).ReturnsAsync(Secret);
        _secrets.Setup(s => s.GetSecretAsync("slack-url", It.IsAny<CancellationToken>())).ReturnsAsync(SlackUrl);
        _secrets.Setup(s => s.GetSecretAsync("missing", It.IsAny<CancellationToken>())).ThrowsAsync(new NotFoundException("secret 'missing' does not exist"));
    }

    public void Dispose() => _http?.Dispose();

    [Fact]
    public async Task SendAsync_Webhook_SignsTimestampDotBodyAndSendsTheEventAndIdempotencyKey()
    {
        // Arrange
        var (sender, stub) = Create(_ => StubHttpMessageHandler.Status(HttpStatusCode.NoContent));
        var message = Message(NotificationEvents.Completed);

        // Act
        var attempt = await sender.SendAsync(Hook, message, CancellationToken.None);

        // Assert
        Assert.Equal(NotificationAttempt.Success, attempt);
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri(Hook.Url!), request.RequestUri);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var timestamp = request.Headers.GetValues(WebhookSignature.TimestampHeader).Single();
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), timestamp);
        var signature = request.Headers.GetValues(WebhookSignature.Header).Single();
        Assert.True(WebhookSignature.Verify(Secret, Encoding.UTF8.GetBytes(timestamp + "." + body), signature));
        Assert.False(WebhookSignature.Verify(Secret, Encoding.UTF8.GetBytes(body!), signature), "the signature must cover the timestamp");
        Assert.Equal("trials.20260310T110000.s/completed", request.Headers.GetValues("Idempotency-Key").Single());
        Assert.Equal("completed", request.Headers.GetValues(HttpNotificationSender.EventHeader).Single());
        Assert.Equal(message.ToJson(), Encoding.UTF8.GetBytes(body!));
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SlackWithItsUrlInTheSecretStore_PostsTextToThatUrlUnsigned()
    {
        // Arrange
        var (sender, stub) = Create(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("ok") });

        // Act
        var attempt = await sender.SendAsync(new NotificationTarget { Type = "slack", SecretName = "slack-url" }, Message(NotificationEvents.Failed), CancellationToken.None);

        // Assert
        Assert.True(attempt.Delivered);
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri(SlackUrl), request.RequestUri);
        Assert.False(request.Headers.Contains(WebhookSignature.Header));
        using var json = JsonDocument.Parse(body!);
        Assert.StartsWith("CohortSync: sync 'trials': failed.", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    public async Task SendAsync_ErrorStatus_IsNotDelivered_RetryableOnlyWhenAnotherTryMayWork(HttpStatusCode status, bool retryable)
    {
        // Arrange
        var (sender, _) = Create(_ => StubHttpMessageHandler.Status(status));

        // Act
        var attempt = await sender.SendAsync(Hook, Message(NotificationEvents.Started), CancellationToken.None);

        // Assert
        Assert.Equal((false, retryable), (attempt.Delivered, attempt.Retryable));
        Assert.StartsWith($"HTTP {(int)status} ", attempt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefused_IsRetryable_AndTheErrorNamesNoUrl()
    {
        // Arrange
        var (sender, _) = Create(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused ({SlackUrl})", new SocketException((int)SocketError.ConnectionRefused)));

        // Act
        var attempt = await sender.SendAsync(new NotificationTarget { Type = "slack", SecretName = "slack-url" }, Message(NotificationEvents.Started), CancellationToken.None);

        // Assert
        Assert.Equal(new NotificationAttempt(false, true, "request failed: ConnectionError"), attempt);
    }

    [Fact]
    public async Task SendAsync_SecretMissing_IsAFinalFailureAndSendsNothing()
    {
        // Arrange
        var (sender, stub) = Create(_ => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var attempt = await sender.SendAsync(Hook with { SecretName = "missing" }, Message(NotificationEvents.Started), CancellationToken.None);

        // Assert
        Assert.Equal(new NotificationAttempt(false, false, "secret 'missing' not found in the secret store"), attempt);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Sign_IsTheWebhookDestinationsSignature()
    {
        // The destination and the notifications share one signing code: a receiver verifies both the same way.
        var body = Encoding.UTF8.GetBytes("{\"a\":1}");
        Assert.Equal(CohortSync.Connectors.Webhook.WebhookConnector.Sign(Secret, body), WebhookSignature.Sign(Secret, body));
        Assert.Equal(
            "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes("1773140400.{\"a\":1}"))),
            WebhookSignature.Sign(Secret, WebhookSignature.Timestamped(1773140400, body)));
    }

    private (HttpNotificationSender Sender, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler((request, _, _) => respond(request));
        _http = new HttpClient(stub);
        return (new HttpNotificationSender(_http, _secrets.Object, new FakeTimeProvider(Now)), stub);
    }

    private static NotificationMessage Message(string notificationEvent) =>
        NotificationMessage.Build(
            notificationEvent,
            new RunRecord { RunId = "trials.20260310T110000.s", SyncId = "trials", Trigger = "manual", Status = RunStatus.Completed, Outcome = new RunOutcome { Accepted = 3 } },
            sync: null,
            destination: null,
            Now);
}
