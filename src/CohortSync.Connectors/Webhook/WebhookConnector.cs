using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Webhook;

/// <summary>
/// POSTs each batch as JSON to a URL, signed with HMAC-SHA256 over the body (header <c>X-CohortSync-Signature:
/// sha256=&lt;hex&gt;</c>) with the destination's secret. The receiver may refuse members by answering
/// <c>{"rejected":[{"index":n,"reason":"..."}]}</c>; any other 2xx accepts the whole batch. Settings: <c>url</c>.
/// </summary>
/// <remarks>
/// Body: <c>{"syncId","runId","batch","container","changes":[{"op":"add|remove|update","kind","id","label"?,"fields"?}]}</c>.
/// The header <c>Idempotency-Key: {runId}/{batch}</c> lets a receiver drop a batch re-sent after a crash.
/// </remarks>
public sealed class WebhookConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "webhook";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = WebhookSignature.Header;

    private static readonly KeyKind[] AllKinds = Enum.GetValues<KeyKind>();

    /// <summary>Creates the connector on a typed client.</summary>
    public WebhookConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time)
        : base(http, secrets, limits, time)
    {
    }

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    protected override double DefaultRequestsPerSecond => 50;

    /// <inheritdoc/>
    public override DestinationCapabilities Describe(DestinationDefinition destination) => new(10_000, AllKinds, []);

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => null;

    /// <inheritdoc/>
    public override string? Validate(ResolvedMember member) => null;

    /// <inheritdoc/>
    public override Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = Url(destination);
        return Task.FromResult(request.ExistingContainerId ?? request.SyncId);
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var url = Url(destination);
        var body = Serialize(request);
        if (destination.SecretName is null)
        {
            throw new ValidationException("a webhook destination needs a secret to sign with (secretName)");
        }

        var pacer = Pacer(destination, request);
        using var response = await SendVendorRequestAsync(
            destination,
            secret =>
            {
                var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                message.Headers.Add(SignatureHeader, Sign(secret!, body));
                message.Headers.Add("Idempotency-Key", string.Create(CultureInfo.InvariantCulture, $"{request.RunId}/{request.BatchNumber}"));
                return message;
            },
            pacer,
            cancellationToken);
        HttpStatusMapper.ThrowIfFailed(TypeName, response);
        var rejections = await ReadRejectionsAsync(response, request.Changes.Count, cancellationToken);
        // The receiver has answered for the whole batch: recorded, so a send that fails after the answer (cancelled while it
        // paces) keeps the batch as delivered rather than uncertain.
        request.Settled(Enumerable.Range(0, request.Changes.Count), rejections);
        await pacer.CompleteAsync(cancellationToken);
        return Result(rejections, 1, pacer);
    }

    /// <summary>The signature of a body: <c>sha256=</c> and the lower-case hex HMAC-SHA256 with the secret (<see cref="WebhookSignature"/>).</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) => WebhookSignature.Sign(secret, body);

    /// <summary>Checks a signature in constant time.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? signature) => WebhookSignature.Verify(secret, body, signature);

    private static Uri Url(DestinationDefinition destination)
    {
        var url = destination.Setting("url");
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ValidationException("a webhook destination needs an absolute http(s) 'url' setting");
    }

    private static byte[] Serialize(SendRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("syncId", request.SyncId);
            writer.WriteString("runId", request.RunId);
            writer.WriteNumber("batch", request.BatchNumber);
            writer.WriteString("container", request.ContainerId);
            writer.WriteStartArray("changes");
            foreach (var change in request.Members)
            {
                WireFormat.WriteChange(writer, change);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static async Task<IReadOnlyList<MemberRejection>> ReadRejectionsAsync(HttpResponseMessage response, int count, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("rejected", out var rejected) || rejected.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var result = new List<MemberRejection>();
            foreach (var item in rejected.EnumerateArray())
            {
                if (item.TryGetProperty("index", out var index) && index.TryGetInt32(out var i) && i >= 0 && i < count)
                {
                    var reason = item.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                    result.Add(new MemberRejection(i, "webhook: " + (string.IsNullOrWhiteSpace(reason) ? "rejected" : reason)));
                }
            }

            return result;
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
