using System.Globalization;
using System.Net.Http.Headers;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Notifications;

/// <summary>
/// Sends a run's notification over HTTP, once per call (the notify activity retries). A <c>webhook</c> target gets the
/// message as JSON (<see cref="NotificationMessage.ToJson"/>), signed: <c>X-CohortSync-Signature: sha256=&lt;hex&gt;</c>,
/// the HMAC-SHA256 of <c>{timestamp}.{body}</c> with the target's secret; <c>X-CohortSync-Timestamp</c>, the Unix seconds
/// signed; <c>X-CohortSync-Event</c>; and <c>Idempotency-Key: {runId}/{event}</c>, the same on every retry. A <c>slack</c>
/// or <c>teams</c> target gets <c>{"text": ...}</c>, the body both incoming webhooks take, unsigned (the URL is the
/// credential; it may live in the secret store). Any 2xx delivers; 408, 429, 5xx, a refused connection and a timeout
/// may be retried; any other answer is final.
/// </summary>
public sealed class HttpNotificationSender : INotificationSender
{
    /// <summary>The header that names the event.</summary>
    public const string EventHeader = "X-CohortSync-Event";

    private readonly HttpClient _http;
    private readonly ISecretStore _secrets;
    private readonly TimeProvider _time;

    /// <summary>Creates the sender on a typed client.</summary>
    public HttpNotificationSender(HttpClient http, ISecretStore secrets, TimeProvider time)
    {
        _http = http;
        _secrets = secrets;
        _time = time;
    }

    /// <inheritdoc/>
    public async Task<NotificationAttempt> SendAsync(NotificationTarget target, NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var webhook = string.Equals(target.Type, "webhook", StringComparison.OrdinalIgnoreCase);
        string? secret = null;
        if (target.SecretName is { } name)
        {
            try
            {
                secret = await _secrets.GetSecretAsync(name, cancellationToken);
            }
            catch (NotFoundException)
            {
                return new NotificationAttempt(false, false, $"secret '{name}' not found in the secret store");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store's own failure (Key Vault unreachable, throttled): another attempt may read it.
                return new NotificationAttempt(false, true, $"could not read secret '{name}' ({ex.GetType().Name})");
            }
        }

        var url = webhook ? target.Url : target.Url ?? secret;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new NotificationAttempt(false, false, target.Url is null ? $"secret '{target.SecretName}' does not hold an absolute http(s) URL" : "the url is not an absolute http(s) URL");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        if (webhook)
        {
            var body = message.ToJson();
            var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
            request.Content = new ByteArrayContent(body);
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret!, WebhookSignature.Timestamped(timestamp, body)));
            request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(EventHeader, message.Event);
            request.Headers.Add("Idempotency-Key", message.IdempotencyKey);
        }
        else
        {
            request.Content = new ByteArrayContent(message.ToChatJson());
        }

        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return NotificationAttempt.Success;
            }

            return new NotificationAttempt(false, HttpStatusMapper.IsTransient(response.StatusCode), string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()})"));
        }
        catch (HttpRequestException ex)
        {
            // The kind of failure only: the exception's message can carry the URL, whose path may be a token.
            return new NotificationAttempt(false, true, $"request failed: {ex.HttpRequestError}");
        }
    }
}
