using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CohortSync.Connectors.Common;

/// <summary>
/// One rate limiter per destination credential, shared by every sync and run in the process that uses it. A credential is
/// named by its destination type, host and secret name (never the secret's value), so a rotated key keeps its limiter.
/// Limiters run at <see cref="SafetyMargin"/> of the vendor's limit, so clock skew and network jitter do not tip the
/// vendor's own counter over. An adaptive limiter (<see cref="AdaptiveRateLimiter"/>) keeps the rate it learned for as long
/// as the process lives: its key holds only what names the credential and its configured limit, never the learned rate.
/// </summary>
public sealed class RateLimitRegistry : IDisposable
{
    /// <summary>The share of a vendor's limit the limiter allows.</summary>
    public const double SafetyMargin = 0.99;

    private readonly ConcurrentDictionary<string, AdaptiveRateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the registry.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where changes of a credential's rate are logged.</param>
    public RateLimitRegistry(TimeProvider time, ILogger<RateLimitRegistry>? logger = null)
    {
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// The limiter of a credential, created at <paramref name="vendorLimitPerSecond"/> (times <see cref="SafetyMargin"/>) the
    /// first time it is asked for. A learned rate seeds it if it has learned nothing yet in this process.
    /// </summary>
    /// <param name="credential">Names the credential (never its secret).</param>
    /// <param name="vendorLimitPerSecond">The configured or documented limit: the ceiling.</param>
    /// <param name="learnedPermitsPerSecond">A rate an earlier run learned (<see cref="AdaptiveRateLimiter.LearnedPermitsPerSecond"/>), or null.</param>
    /// <param name="adaptive">False for a fixed rate (a limiter of its own, apart from the adaptive one).</param>
    public AdaptiveRateLimiter For(string credential, double vendorLimitPerSecond, double? learnedPermitsPerSecond = null, bool adaptive = true)
    {
        var key = credential + "@" + vendorLimitPerSecond.ToString("R", CultureInfo.InvariantCulture) + (adaptive ? string.Empty : "|fixed");
        // No burst: the sends' lanes already come one moment of the rate apart, and a pair let through back to back (a late
        // moment followed by an on-time one) is what empties a vendor's small bucket when the rate runs close to its limit.
        var limiter = _limiters.GetOrAdd(
            key,
            _ => new AdaptiveRateLimiter(
                vendorLimitPerSecond * SafetyMargin, burst: 1, _time, adaptive, change => Log(credential, change)));
        if (learnedPermitsPerSecond is { } learned)
        {
            limiter.Seed(learned);
        }

        return limiter;
    }

    private void Log(string credential, RateChange change)
    {
        switch (change.Reason)
        {
            case RateChangeReason.Throttled: _logger.RateCut(credential, change.From, change.To); break;
            case RateChangeReason.Seeded: _logger.RateSeeded(credential, change.From, change.To); break;
            default: _logger.RateRaised(credential, change.From, change.To); break;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}

/// <summary>
/// Paces one send activity in its lane of a credential's rate. The workflow sends a run's batches in K lanes, one batch at a
/// time in each (<c>SyncWorkflow</c>), and each lane owns every K-th moment of a grid that the credential's rate draws on
/// the wall clock: lane s of K may send at <c>(m x K + s) / rate</c> seconds after the Unix epoch, for whole m. The lanes'
/// moments never coincide and together come one every <c>1 / rate</c>, so K sends together cannot exceed the rate, on one
/// machine or several (whose clocks NTP keeps within milliseconds of each other; the vendor's bucket absorbs that).
/// <para>
/// Because the moments are fixed on the clock rather than counted from the activity's start, a send does not hold its
/// lane after its last request: the lane's next batch, whenever the engine starts it, takes the lane's next moment still
/// ahead. The engine's round trip between two batches of a lane costs nothing while it is shorter than the lane's period
/// (<c>K / rate</c>), and a request that leaves late takes nothing from the next one. The rate is the credential limiter's
/// current one, read at each turn: when the limiter adapts, the grid follows, and a lane's requests stay at least (almost)
/// one period apart across the change.
/// </para>
/// </summary>
public sealed class SharePacer
{
    // A lane's next moment is at least this share of a period after its last one: exactly one period at a steady rate (the
    // slack only absorbs rounding of the grid's arithmetic), a little less only across a change of rate.
    private const double MinimumSpacing = 0.99;

    // Moments in a row a lane may lose before it queues for the credential's next free one.
    private const int MomentsLostBeforeQueueing = 3;

    private readonly TimeProvider _time;
    private readonly AdaptiveRateLimiter _credential;
    private readonly int _lanes;
    private readonly int _lane;
    private double? _last;

    /// <summary>Creates a pacer for one activity.</summary>
    /// <param name="credential">The credential's limiter, whose current rate draws the grid.</param>
    /// <param name="share">This activity's share of it, in (0, 1]: 1 / K for K lanes.</param>
    /// <param name="time">The clock (its wall clock, <see cref="TimeProvider.GetUtcNow"/>, places the grid).</param>
    /// <param name="lane">The activity's lane, 0 to K - 1 (taken modulo K).</param>
    public SharePacer(AdaptiveRateLimiter credential, double share, TimeProvider time, int lane = 0)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(time);
        _credential = credential;
        _time = time;
        _lanes = Math.Max(1, (int)Math.Round(1 / Math.Clamp(share, 0.0001, 1)));
        _lane = ((lane % _lanes) + _lanes) % _lanes;
    }

    /// <summary>The credential's limiter.</summary>
    public AdaptiveRateLimiter Credential => _credential;

    /// <summary>The lanes the rate is split into (K).</summary>
    public int Lanes => _lanes;

    /// <summary>This activity's lane.</summary>
    public int Lane => _lane;

    /// <summary>
    /// Waits for the lane's next moment on the grid that is not in the past and, after this pacer's first request, at least
    /// a period after its last one, and takes the credential's permit on it (<see cref="AdaptiveRateLimiter.TryAcquireMoment"/>).
    /// A moment the credential cannot grant (the lane came too late for it, a request of another send
    /// or run took it, or a cut holds the rate back) is given up for the lane's next one: the lane never pushes the other
    /// lanes' moments back.
    /// </summary>
    public async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        for (var lost = 0; ; lost++)
        {
            var rate = _credential.PermitsPerSecond;
            var now = Now();
            if (lost >= MomentsLostBeforeQueueing)
            {
                // Woken too late for its moments again and again (a core starved for long): the lane queues for the
                // credential's next free moment instead, so it always goes on.
                using var lease = await _credential.AcquireAsync(1, cancellationToken);
                _last = Now();
                return;
            }

            var earliest = _last is { } last ? Math.Max(now, last + (MinimumSpacing * _lanes / rate)) : now;
            var round = Math.Ceiling(((earliest * rate) - _lane) / _lanes);
            var at = ((round * _lanes) + _lane) / rate;
            _last = at;
            var wait = at - now;
            while (true)
            {
                // A timer may still end a little before the moment on the wall clock; the credential then says how much longer.
                await PacedRateLimiter.WaitAsync(wait, _time, cancellationToken);
                if (_credential.TryAcquireMoment(at, out wait))
                {
                    return;
                }

                if (wait <= 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Ends the activity's pacing. Nothing is held: the lane's moments are fixed on the clock, so the lane's next batch cannot
    /// send before its turn however soon it starts.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Part of the pacer every connector ends its send with.")]
    public Task CompleteAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    // Seconds since the Unix epoch on the wall clock: the grid's origin, the same in every process.
    private double Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds;
}

/// <summary>Source-generated log messages of the rate limiters.</summary>
internal static partial class RateLimitLogs
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Credential {Credential}: a 429 without Retry-After or X-RateLimit-Reset; rate cut from {From:0.###} to {To:0.###} requests a second")]
    public static partial void RateCut(this ILogger logger, string credential, double from, double to);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Credential {Credential}: a spell of successes; rate raised from {From:0.###} to {To:0.###} requests a second")]
    public static partial void RateRaised(this ILogger logger, string credential, double from, double to);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Credential {Credential}: starts at {To:0.###} requests a second (not {From:0.###}), near the rate its last run learned")]
    public static partial void RateSeeded(this ILogger logger, string credential, double from, double to);
}
