using System.Threading.RateLimiting;

namespace CohortSync.Connectors.Common;

/// <summary>
/// A <see cref="RateLimiter"/> that spaces permits evenly at an exact rate (the generic cell rate algorithm): each permit is
/// granted no sooner than <c>1 / rate</c> after the previous one, with a small burst allowance. The framework's
/// <see cref="TokenBucketRateLimiter"/> refills on a timer in whole tokens per period, which quantises rates (69.4 requests a
/// second with 100 ms periods becomes 60) and releases bursts at period boundaries that a vendor's own limiter can count
/// as a violation; sending steadily just under the limit is what reaches 90% of it without a 429.
/// </summary>
public sealed class PacedRateLimiter : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly double _interval;
    private readonly double _burstWindow;
    private double _next;
    private long _granted;

    /// <summary>Creates a limiter.</summary>
    /// <param name="permitsPerSecond">The steady rate.</param>
    /// <param name="burst">Permits that may be granted back to back after an idle spell.</param>
    /// <param name="time">The clock.</param>
    public PacedRateLimiter(double permitsPerSecond, int burst = 1, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _time = time ?? TimeProvider.System;
        _interval = 1.0 / permitsPerSecond;
        _burstWindow = (burst - 1) * _interval;
        PermitsPerSecond = permitsPerSecond;
    }

    /// <summary>The steady rate.</summary>
    public double PermitsPerSecond { get; }

    /// <inheritdoc/>
    public override TimeSpan? IdleDuration => null;

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics() => new()
    {
        CurrentAvailablePermits = 0,
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Interlocked.Read(ref _granted),
        TotalFailedLeases = 0,
    };

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            var now = Now();
            if (_next - _burstWindow > now)
            {
                return Lease.Failed;
            }

            Reserve(now, permitCount);
            return Lease.Granted;
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        double wait;
        lock (_gate)
        {
            var now = Now();
            var start = Math.Max(now, _next - _burstWindow);
            wait = start - now;
            Reserve(start, permitCount);
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait), _time, cancellationToken);
        }

        return Lease.Granted;
    }

    private void Reserve(double at, int permits)
    {
        // The theoretical arrival time moves on by one interval per permit from whichever is later: itself or now.
        _next = Math.Max(_next, at) + (permits * _interval);

        Interlocked.Add(ref _granted, permits);
    }

    private double Now() => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    private sealed class Lease : RateLimitLease
    {
        public static readonly Lease Granted = new(true);
        public static readonly Lease Failed = new(false);

        private Lease(bool acquired) => IsAcquired = acquired;

        public override bool IsAcquired { get; }

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
