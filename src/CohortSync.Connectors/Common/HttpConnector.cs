using System.Net;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Common;

/// <summary>
/// What every HTTP destination connector shares: the credential's rate limiter and the activity's share of it, the secret
/// read per request (re-read once after a 401, so a rotated key needs no restart), and transport failures mapped to
/// retryable errors. Subclasses build vendor requests and map vendor responses.
/// </summary>
public abstract class HttpConnector : IDestinationConnector
{
    private readonly RateLimitRegistry _limits;

    /// <summary>Creates the connector on its typed client.</summary>
    protected HttpConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time)
    {
        Http = http;
        Secrets = secrets;
        _limits = limits;
        Time = time;
    }

    /// <inheritdoc/>
    public abstract string Type { get; }

    /// <summary>The vendor's documented request limit per credential, per second (setting <c>requestsPerSecond</c> overrides it).</summary>
    protected abstract double DefaultRequestsPerSecond { get; }

    /// <summary>The typed client (with the resilience handler).</summary>
    protected HttpClient Http { get; }

    /// <summary>The secret store.</summary>
    protected ISecretStore Secrets { get; }

    /// <summary>The clock.</summary>
    protected TimeProvider Time { get; }

    /// <inheritdoc/>
    public abstract DestinationCapabilities Describe(DestinationDefinition destination);

    /// <inheritdoc/>
    public abstract string? Validate(DestinationKey key, string? payload);

    /// <inheritdoc/>
    public virtual string? Validate(ResolvedMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Validate(member.ToKey(), member.PayloadString());
    }

    /// <inheritdoc/>
    public abstract Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The request limit for a destination: its <c>requestsPerSecond</c> setting, or the vendor's default. It is the ceiling:
    /// an adaptive credential (<see cref="AdaptiveRate"/>) slows below it on 429s without a hint and never goes above it.
    /// </summary>
    protected double RequestsPerSecond(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return double.TryParse(destination.Setting("requestsPerSecond"), System.Globalization.CultureInfo.InvariantCulture, out var rps) && rps > 0
            ? rps
            : DefaultRequestsPerSecond;
    }

    /// <summary>
    /// Whether the destination's rate adapts to 429s that carry no hint of how long to wait: its <c>adaptiveRate</c> setting
    /// (<c>true</c> by default; <c>false</c> keeps the rate fixed at <see cref="RequestsPerSecond"/>).
    /// </summary>
    protected static bool AdaptiveRate(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return !bool.TryParse(destination.Setting("adaptiveRate"), out var adaptive) || adaptive;
    }

    /// <summary>
    /// The credential's limiter (one per credential in the process, at most <see cref="RequestsPerSecond"/>), seeded with the
    /// rate an earlier run learned if it has learned nothing here yet.
    /// </summary>
    /// <param name="destination">The destination.</param>
    /// <param name="learnedRequestsPerSecond">The rate the sync's earlier runs learned, or null.</param>
    protected AdaptiveRateLimiter Limiter(DestinationDefinition destination, double? learnedRequestsPerSecond = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return _limits.For(
            $"{Type}|{destination.Setting("baseUrl") ?? destination.Setting("region") ?? string.Empty}|{destination.SecretName ?? destination.Id}",
            RequestsPerSecond(destination),
            learnedRequestsPerSecond,
            AdaptiveRate(destination));
    }

    /// <summary>A pacer for one send activity's lane of the credential's current rate.</summary>
    protected SharePacer Pacer(DestinationDefinition destination, SendRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new SharePacer(Limiter(destination, request.LearnedRequestsPerSecond), request.SenderShare, Time, request.SenderLane);
    }

    /// <summary>
    /// A send's result with the rate its credential has learned (<see cref="AdaptiveRateLimiter.LearnedPermitsPerSecond"/>),
    /// which the sync's next run starts near; none when the rate is fixed or nothing was learned.
    /// </summary>
    protected static SendResult Result(IReadOnlyList<MemberRejection> rejections, int requests, SharePacer pacer)
    {
        ArgumentNullException.ThrowIfNull(pacer);
        return new SendResult(rejections, requests, pacer.Credential.LearnedPermitsPerSecond);
    }

    /// <summary>
    /// Sends one vendor request: waits for the credential's limiter and the activity's pacer, reads the secret, sends, and on a
    /// 401 re-reads the secret and tries once more. Returns the response for the caller to map; a dropped connection or a
    /// timeout becomes <see cref="RetryableDestinationException"/>.
    /// </summary>
    /// <param name="destination">The destination.</param>
    /// <param name="build">Builds the request from the secret (null when the destination has none).</param>
    /// <param name="pacer">The activity's pacer, or null outside a send (container set-up).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    protected async Task<HttpResponseMessage> SendVendorRequestAsync(
        DestinationDefinition destination, Func<string?, HttpRequestMessage> build, SharePacer? pacer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(build);
        // The limiter of the destination's own credential: Pushwoosh sends some requests with another token (a destination
        // with another secret name) under the same pacer.
        var limiter = Limiter(destination);
        for (var attempt = 0; ; attempt++)
        {
            var secret = destination.SecretName is null ? null : await Secrets.GetSecretAsync(destination.SecretName, cancellationToken);
            // The activity's lane takes its turn on the credential's grid and the credential's permit with it, so no lane
            // waits behind another's late turn; a request without a lane waits for the limiter's next moment.
            if (pacer is not null)
            {
                await pacer.WaitTurnAsync(cancellationToken);
            }

            // The pacer's turn holds its credential's permit; a request under another credential's limiter still takes one.
            if (pacer is null || !ReferenceEquals(pacer.Credential, limiter))
            {
                using (await limiter.AcquireAsync(1, cancellationToken))
                {
                }
            }

            using var request = build(secret);
            request.Options.Set(ResilienceHandler.LimiterKey, (System.Threading.RateLimiting.RateLimiter)limiter);
            HttpResponseMessage response;
            try
            {
                response = await Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new RetryableDestinationException(Type, null, "connection failed: " + ex.HttpRequestError, innerException: ex);
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RetryableDestinationException(Type, null, "request timed out", innerException: ex);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && destination.SecretName is not null)
            {
                response.Dispose();
                Secrets.Invalidate(destination.SecretName);
                continue;
            }

            return response;
        }
    }

    /// <summary>The destination's base address: its <c>baseUrl</c> setting (sandboxes, proxies), or the vendor host for its region.</summary>
    protected static Uri BaseAddress(DestinationDefinition destination, Func<string?, string?> hostForRegion)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(hostForRegion);
        var text = destination.Setting("baseUrl") ?? hostForRegion(destination.Setting("region"));
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? new Uri(uri.ToString().TrimEnd('/') + "/")
            : throw new ValidationException($"{destination.Type} destination '{destination.Id}' needs a known 'region' or an absolute 'baseUrl'");
    }
}
