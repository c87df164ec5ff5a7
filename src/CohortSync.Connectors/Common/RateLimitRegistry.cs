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
    public const double SafetyMargin = 0.95;

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
        var limiter = _limiters.GetOrAdd(
            key,
            _ => new AdaptiveRateLimiter(
                vendorLimitPerSecond * SafetyMargin, burst: 2, _time, adaptive, change => Log(credential, change)));
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
/// Paces one send activity at its share of a credential's rate. When the workflow fans a run out over N concurrent sends
/// (on one machine or many, as in Azure), each send gets 1/N of the rate: it spaces its requests accordingly and does not
/// return before its requests' share of time has passed, so N sends together cannot exceed it. The rate is the credential
/// limiter's current one, read at each turn: when the limiter adapts, the share follows.
/// </summary>
public sealed class SharePacer
{
    private readonly TimeProvider _time;
    private readonly AdaptiveRateLimiter _credential;
    private readonly double _share;
    private readonly long _start;
    private double _due;
    private int _requests;

    /// <summary>Creates a pacer for one activity.</summary>
    /// <param name="credential">The credential's limiter, whose current rate is shared.</param>
    /// <param name="share">This activity's share of it, in (0, 1].</param>
    /// <param name="time">The clock.</param>
    /// <param name="startedAt">When the activity began (a timestamp of <paramref name="time"/>), 0 for now: time spent
    /// before the first request counts towards the activity's share.</param>
    public SharePacer(AdaptiveRateLimiter credential, double share, TimeProvider time, long startedAt = 0)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(time);
        _credential = credential;
        _time = time;
        _share = Math.Clamp(share, 0.0001, 1);
        _start = startedAt > 0 ? startedAt : time.GetTimestamp();
    }

    /// <summary>The credential's limiter.</summary>
    public AdaptiveRateLimiter Credential => _credential;

    /// <summary>Waits until the next request may go: one interval at the current rate after the previous one's turn.</summary>
    public Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        if (_requests++ > 0)
        {
            _due += Interval();
        }

        return WaitUntilAsync(_due, cancellationToken);
    }

    /// <summary>Waits until the time of every request sent so far has passed.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) =>
        _requests == 0 ? Task.CompletedTask : WaitUntilAsync(_due + Interval(), cancellationToken);

    private double Interval() => 1.0 / (_credential.PermitsPerSecond * _share);

    private Task WaitUntilAsync(double offsetSeconds, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromSeconds(offsetSeconds) - _time.GetElapsedTime(_start);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _time, cancellationToken) : Task.CompletedTask;
    }
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
