using System.Net;
using System.Threading.RateLimiting;
using Polly;
using Polly.Retry;

namespace CohortSync.Connectors.Common;

/// <summary>
/// The HTTP layer's retry budget: a Polly.Core pipeline in a <see cref="DelegatingHandler"/>. It retries transient failures
/// (a dropped connection, 408, 429, 5xx) a few times within seconds, waiting as long as <c>Retry-After</c> or
/// <c>X-RateLimit-Reset</c> asks when that is short. A longer wait, or a failure that outlives the budget, goes back to the
/// connector, which raises a retryable error carrying the wait for the workflow engine's slower retry (each layer has its
/// own budget).
/// <para>
/// Why not Microsoft.Extensions.Http.Resilience (served, evaluated at 10.11.0): its stock parts do not do three things this
/// handler must. (1) <c>HttpRetryStrategyOptions.ShouldRetryAfterHeader</c> reads only the standard <c>Retry-After</c>
/// header, not <c>X-RateLimit-Reset</c>, and has no cap above which the wait is handed back to the caller. (2) Its rate
/// limiter (<c>AddRateLimiter</c>, or the standard pipeline's, which is the outermost strategy, outside the retry) is one
/// limiter per pipeline that a call passes once; here each request carries its own credential's limiter
/// (<see cref="LimiterKey"/>) and every retry must take a permit from it. (3) Its handler sends the same
/// <see cref="HttpRequestMessage"/> again on each retry; this one sends a fresh copy sharing the buffered content. Each can
/// be rebuilt inside its pipeline with custom delegates (a delay generator, a limiter strategy inside the retry that finds
/// the request's limiter through the context), but that is this class's code again inside the library's handler, which
/// would add telemetry and compliance packages the connectors do not use.
/// </para>
/// </summary>
public sealed class ResilienceHandler : DelegatingHandler
{
    /// <summary>
    /// The credential's limiter, set on a request by its connector, which takes the first try's permit itself. Every retry
    /// here takes another permit first: a retry is a request the vendor counts, and one that skipped the limiter could find
    /// the vendor's bucket empty (the fault storm trial saw Iterable count such retries as rate-limit violations). An
    /// <see cref="AdaptiveRateLimiter"/> is also told of every try's answer: a 429 with neither <c>Retry-After</c> nor
    /// <c>X-RateLimit-Reset</c> slows the credential, successes speed it up again.
    /// </summary>
    public static readonly HttpRequestOptionsKey<RateLimiter> LimiterKey = new("CohortSync.RateLimiter");

    /// <summary>The longest vendor-requested wait this layer sits out itself.</summary>
    public static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(10);

    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;

    /// <summary>Creates the handler.</summary>
    /// <param name="time">The clock (a manual one in tests).</param>
    /// <param name="maxRetryAttempts">Retries after the first try. Default 2 (three tries).</param>
    /// <param name="baseDelay">The first backoff; it doubles, with jitter. Default 200 ms.</param>
    public ResilienceHandler(TimeProvider time, int maxRetryAttempts = 2, TimeSpan? baseDelay = null)
    {
        _time = time;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(200),
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, time, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response && HttpStatusMapper.RetryAfter(response, time) is { } wait ? (TimeSpan?)wait : null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // A request can be sent once: every try sends a copy sharing the (buffered) content.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        request.Options.TryGetValue(LimiterKey, out var limiter);
        var adaptive = limiter as AdaptiveRateLimiter;
        var tries = 0;
        return await _pipeline.ExecuteAsync(
            async token =>
            {
                if (tries++ > 0 && limiter is not null)
                {
                    using var lease = await limiter.AcquireAsync(1, token);
                }

                using var attempt = Copy(request);
                var epoch = adaptive?.Epoch ?? 0;
                var response = await base.SendAsync(attempt, token);
                if (adaptive is not null)
                {
                    Report(adaptive, epoch, response);
                }

                return response;
            },
            cancellationToken);
    }

    // Every try's answer tells the credential's adaptive limiter how the vendor took its rate: a 429 with no hint of how long
    // to wait slows it; a 429 that says how long is waited out as asked and changes nothing; a success counts towards
    // speeding up again. Other answers (5xx, 4xx, dropped connections) say nothing about the rate.
    private void Report(AdaptiveRateLimiter limiter, int epoch, HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            if (HttpStatusMapper.RetryAfter(response, _time) is null)
            {
                limiter.OnThrottled(epoch);
            }
        }
        else if (response.IsSuccessStatusCode)
        {
            limiter.OnAccepted(epoch);
        }
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider time, CancellationToken cancellationToken)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException
                || (outcome.Exception is TaskCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested);
        }

        var response = outcome.Result!;
        return HttpStatusMapper.IsTransient(response.StatusCode) && (HttpStatusMapper.RetryAfter(response, time) is not { } wait || wait <= MaxInlineWait);
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = request.Content is null ? null : new SharedContent(request.Content),
            Version = request.Version,
            VersionPolicy = request.VersionPolicy,
        };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        foreach (var option in request.Options)
        {
            copy.Options.TryAdd(option.Key, option.Value);
        }

        return copy;
    }

    // Content shared by the copies of a request: disposing a copy must not dispose the original's buffered content.
    private sealed class SharedContent : HttpContent
    {
        private readonly HttpContent _inner;

        public SharedContent(HttpContent inner)
        {
            _inner = inner;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _inner.CopyToAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = _inner.Headers.ContentLength ?? -1;
            return length >= 0;
        }
    }
}
