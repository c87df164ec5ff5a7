using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// Pushwoosh's API as CohortSync uses it, one method per endpoint: authentication (the Server API token in the body's
/// <c>auth</c>), bodies, response parsing, and errors mapped to the taxonomy through <see cref="HttpStatusMapper"/> (the
/// only mapping; a json/1.3 envelope's <c>status_code</c> inside an HTTP 200 is mapped by it as that status, the argument
/// error 210 as 400). Requests go through the connector's shared send (rate limiter, pacer, secret re-read after a 401).
/// </summary>
public sealed class PushwooshClient
{
    private const string Vendor = PushwooshConnector.TypeName;
    private readonly PushwooshSend _send;
    private readonly Uri _baseUri;
    private readonly TimeProvider _time;

    /// <summary>Creates a client for one destination.</summary>
    /// <param name="send">Sends a request built from the destination's secret (the connector's shared send).</param>
    /// <param name="baseUri">The API's base address, ending in <c>/</c>.</param>
    /// <param name="time">The clock for the status polls' backoff.</param>
    public PushwooshClient(PushwooshSend send, Uri baseUri, TimeProvider time)
    {
        _send = send;
        _baseUri = baseUri;
        _time = time;
    }

    /// <summary><c>POST /api/v2/audience/bulkSetTags</c>: queues a job for some devices and returns its <c>request_id</c>.</summary>
    public async Task<string> BulkSetTagsAsync(
        string application, IReadOnlyList<byte[]> devices, int start, int count, SharePacer pacer, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUri, "api/v2/audience/bulkSetTags");
        using var response = await _send(secret => Post(uri, PushwooshWire.BulkSetTags(application, secret!, devices, start, count)), pacer, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        HttpStatusMapper.ThrowIfFailed(Vendor, response, Sanitize(PushwooshWire.ReadMessage(text)));
        return PushwooshWire.ReadRequestId(text)
            ?? throw new RetryableDestinationException(Vendor, response.StatusCode, "bulkSetTags answered without a request_id");
    }

    /// <summary>
    /// <c>GET /api/v2/audience/bulkSetTags/{request_id}?detailed=true</c>: the job's state and the devices it did not update.
    /// It carries no token: Pushwoosh documents none for it, and the request id is the job's capability.
    /// </summary>
    public async Task<BulkStatus> BulkSetTagsStatusAsync(string requestId, SharePacer pacer, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUri, $"api/v2/audience/bulkSetTags/{Uri.EscapeDataString(requestId)}?detailed=true");
        using var response = await _send(_ => new HttpRequestMessage(HttpMethod.Get, uri), pacer, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        HttpStatusMapper.ThrowIfFailed(Vendor, response, Sanitize(PushwooshWire.ReadMessage(text)));
        return PushwooshWire.ReadStatus(text)
            ?? throw new RetryableDestinationException(Vendor, response.StatusCode, "bulkSetTags status answered without a status");
    }

    /// <summary>
    /// Reads a job's status until it finishes: a doubling backoff from <paramref name="delay"/> up to
    /// <see cref="PushwooshSettings.MaxStatusPollDelay"/>, at most <paramref name="polls"/> reads. A job that fails as a whole
    /// or does not finish in time throws <see cref="RetryableDestinationException"/>.
    /// </summary>
    /// <returns>The finished status and the reads made.</returns>
    public async Task<(BulkStatus Status, int Polls)> AwaitBulkSetTagsAsync(
        string requestId, int polls, TimeSpan delay, SharePacer pacer, CancellationToken cancellationToken)
    {
        for (var poll = 1; poll <= polls; poll++)
        {
            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, PushwooshSettings.MaxStatusPollDelay.Ticks));
            var status = await BulkSetTagsStatusAsync(requestId, pacer, cancellationToken);
            if (status.IsFailed)
            {
                throw new RetryableDestinationException(Vendor, null, $"bulk request {requestId} failed as a whole ({Sanitize(status.Status)})");
            }

            if (status.IsCompleted)
            {
                return (status, poll);
            }
        }

        throw new RetryableDestinationException(
            Vendor, null, string.Create(CultureInfo.InvariantCulture, $"bulk request {requestId} had not finished after {polls} status reads"));
    }

    /// <summary><c>POST /json/1.3/listTags</c>: the account's tags.</summary>
    public async Task<IReadOnlyList<TagInfo>> ListTagsAsync(CancellationToken cancellationToken) =>
        PushwooshWire.ReadTags(await CallJsonAsync("json/1.3/listTags", PushwooshWire.ListTags, cancellationToken));

    /// <summary><c>POST /json/1.3/addTag</c>: creates a list tag. An argument error (it exists) throws <see cref="DestinationRejectedException"/>.</summary>
    public Task AddListTagAsync(string tagName, CancellationToken cancellationToken) =>
        CallJsonAsync("json/1.3/addTag", secret => PushwooshWire.AddListTag(secret, tagName), cancellationToken);

    /// <summary>Keeps a vendor message fit for an exception: short, and with anything that looks like an address removed.</summary>
    public static string? Sanitize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        var words = message.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Contains('@', StringComparison.Ordinal) ? "(redacted)" : w);
        var text = string.Join(' ', words);
        return text.Length <= 200 ? text : text[..200];
    }

    // A Server API json/1.3 call: token in the body; the HTTP status, then the envelope's status_code, through the one mapping.
    private async Task<string> CallJsonAsync(string path, Func<string, byte[]> body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUri, path);
        using var response = await _send(secret => Post(uri, body(secret!)), null, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var envelope = PushwooshWire.ReadEnvelope(text);
        HttpStatusMapper.ThrowIfFailed(Vendor, response, Sanitize(envelope?.StatusMessage));
        if (envelope is null || envelope.StatusCode == 200)
        {
            return text;
        }

        // json/1.3 answers some errors inside an HTTP 200; 210 (argument error) and any other 2xx code read as 400.
        var status = envelope.StatusCode is >= 200 and < 300 ? HttpStatusCode.BadRequest : (HttpStatusCode)envelope.StatusCode;
        using var inner = new HttpResponseMessage(status);
        inner.Headers.RetryAfter = response.Headers.RetryAfter;
        HttpStatusMapper.ThrowIfFailed(Vendor, inner, string.Create(CultureInfo.InvariantCulture, $"status_code {envelope.StatusCode}") + (Sanitize(envelope.StatusMessage) is { } m ? ": " + m : string.Empty));
        return text;
    }

    private static HttpRequestMessage Post(Uri uri, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return message;
    }
}
