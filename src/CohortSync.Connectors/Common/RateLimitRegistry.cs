using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace CohortSync.Connectors.Common;

/// <summary>
/// One rate limiter per destination credential, shared by every sync and run in the process that uses it. A credential is
/// named by its destination type, host and secret name (never the secret's value), so a rotated key keeps its limiter.
/// Limiters run at <see cref="SafetyMargin"/> of the vendor's limit, so clock skew and network jitter do not tip the
/// vendor's own counter over.
/// </summary>
public sealed class RateLimitRegistry : IDisposable
{
    /// <summary>The share of a vendor's limit the limiter allows.</summary>
    public const double SafetyMargin = 0.95;

    private readonly ConcurrentDictionary<string, PacedRateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the registry.</summary>
    public RateLimitRegistry(TimeProvider time) => _time = time;

    /// <summary>The limiter of a credential, created at <paramref name="vendorLimitPerSecond"/> the first time it is asked for.</summary>
    public RateLimiter For(string credential, double vendorLimitPerSecond)
    {
        var key = credential + "@" + vendorLimitPerSecond.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return _limiters.GetOrAdd(key, _ => new PacedRateLimiter(vendorLimitPerSecond * SafetyMargin, burst: 2, _time));
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
/// Paces one send activity at its share of a credential's limit. When the workflow fans a run out over N concurrent sends
/// (on one machine or many, as in Azure), each send gets 1/N of the limit: it spaces its requests accordingly and does
/// not return before its requests' share of time has passed, so N sends together cannot exceed the limit.
/// </summary>
public sealed class SharePacer
{
    private readonly TimeProvider _time;
    private readonly double _interval;
    private readonly long _start;
    private int _requests;

    /// <summary>Creates a pacer for one activity.</summary>
    /// <param name="vendorLimitPerSecond">The credential's limit.</param>
    /// <param name="share">This activity's share of it, in (0, 1].</param>
    /// <param name="time">The clock.</param>
    /// <param name="startedAt">When the activity began (a timestamp of <paramref name="time"/>), 0 for now: time spent
    /// before the first request counts towards the activity's share.</param>
    public SharePacer(double vendorLimitPerSecond, double share, TimeProvider time, long startedAt = 0)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _interval = 1.0 / (vendorLimitPerSecond * RateLimitRegistry.SafetyMargin * Math.Clamp(share, 0.0001, 1));
        _start = startedAt > 0 ? startedAt : time.GetTimestamp();
    }

    /// <summary>Waits until the next request may go.</summary>
    public Task WaitTurnAsync(CancellationToken cancellationToken) => WaitUntilAsync(_requests++ * _interval, cancellationToken);

    /// <summary>Waits until the time of every request sent so far has passed.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) => WaitUntilAsync(_requests * _interval, cancellationToken);

    private Task WaitUntilAsync(double offsetSeconds, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromSeconds(offsetSeconds) - _time.GetElapsedTime(_start);
        return wait > TimeSpan.Zero ? Task.Delay(wait, _time, cancellationToken) : Task.CompletedTask;
    }
}
