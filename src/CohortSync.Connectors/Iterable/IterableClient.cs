using System.Net.Http.Headers;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// Iterable's Lists API, one method per endpoint: the <c>Api-Key</c> header, the JSON bodies, the answers parsed, and a
/// failed answer mapped to Core's errors by <see cref="HttpStatusMapper"/> (the one mapping), naming Iterable's error
/// <c>code</c> but never its <c>msg</c>, which may echo member data. The connector plans; this only talks.
/// </summary>
public sealed class IterableClient
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };
    private readonly Uri _baseAddress;
    private readonly IterableTransport _send;

    /// <summary>Creates a client for one project's host.</summary>
    /// <param name="baseAddress">The API host, ending with a slash (<c>https://api.iterable.com/</c>).</param>
    /// <param name="send">Sends one request (see <see cref="IterableTransport"/>).</param>
    public IterableClient(Uri baseAddress, IterableTransport send)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(send);
        _baseAddress = baseAddress;
        _send = send;
    }

    /// <summary><c>GET /api/lists</c>: every list of the project.</summary>
    public async Task<IReadOnlyList<IterableList>> GetListsAsync(CancellationToken cancellationToken)
    {
        var answer = await SendAsync<IterableListsResponse>(HttpMethod.Get, "api/lists", null, null, cancellationToken);
        return answer.Lists ?? throw new RetryableDestinationException(IterableConnector.TypeName, null, "the list-lists answer has no lists");
    }

    /// <summary><c>POST /api/lists</c>: creates a static list and returns its id.</summary>
    public async Task<long> CreateListAsync(IterableCreateListRequest body, CancellationToken cancellationToken)
    {
        var answer = await SendAsync<IterableCreateListResponse>(HttpMethod.Post, "api/lists", body, null, cancellationToken);
        return answer.ListId ?? throw new RetryableDestinationException(IterableConnector.TypeName, null, "the create-list answer has no listId");
    }

    /// <summary><c>POST /api/lists/subscribe</c>: HTTP 200 even when some subscribers failed (see <see cref="IterableBulkUpdateResponse.FailedUpdates"/>).</summary>
    public Task<IterableBulkUpdateResponse> SubscribeAsync(IterableSubscribeRequest body, SharePacer? pacer, CancellationToken cancellationToken) =>
        SendAsync<IterableBulkUpdateResponse>(HttpMethod.Post, "api/lists/subscribe", body, pacer, cancellationToken);

    /// <summary><c>POST /api/lists/unsubscribe</c>: HTTP 200 even when some subscribers failed.</summary>
    public Task<IterableBulkUpdateResponse> UnsubscribeAsync(IterableUnsubscribeRequest body, SharePacer? pacer, CancellationToken cancellationToken) =>
        SendAsync<IterableBulkUpdateResponse>(HttpMethod.Post, "api/lists/unsubscribe", body, pacer, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, SharePacer? pacer, CancellationToken cancellationToken)
        where T : class
    {
        var uri = new Uri(_baseAddress, path);
        var bytes = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), IterableJson.Options);
        using var response = await _send(
            secret =>
            {
                var message = new HttpRequestMessage(method, uri);
                if (bytes is not null)
                {
                    message.Content = new ByteArrayContent(bytes);
                    message.Content.Headers.ContentType = JsonType;
                }

                message.Headers.TryAddWithoutValidation("Api-Key", secret);
                return message;
            },
            pacer,
            cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            HttpStatusMapper.ThrowIfFailed(IterableConnector.TypeName, response, await ErrorCodeAsync(response, cancellationToken));
        }

        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync<T>(stream, IterableJson.Options, cancellationToken)
                ?? throw new RetryableDestinationException(IterableConnector.TypeName, response.StatusCode, "the answer is empty");
        }
        catch (JsonException ex)
        {
            // A 200 that is not Iterable's JSON (a proxy's page, a cut-off body): the request may not have been applied.
            throw new RetryableDestinationException(IterableConnector.TypeName, response.StatusCode, "the answer is not the JSON Iterable sends", innerException: ex);
        }
    }

    // Iterable's error code (an enum such as BadApiKey or RateLimitExceeded), only when it looks like one.
    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var code = JsonSerializer.Deserialize<IterableApiResponse>(text, IterableJson.Options)?.Code;
            return code is { Length: > 0 and <= 64 } && code.All(char.IsAsciiLetterOrDigit) ? code : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
