using System.Threading.RateLimiting;

namespace CohortSync.Connectors.Common;

/// <summary>
/// A <see cref="RateLimiter"/> that spaces permits evenly at an exact rate (the generic cell rate algorithm): each permit is
/// granted no sooner than <c>1 / rate</c> after the previous one, with a small burst allowance. The framework's
/// <see cref="TokenBucketRateLimiter"/> refills on a timer in whole tokens per period, which quantises rates (69.4 requests a
/// second with 100 ms periods becomes 60) and releases bursts at period boundaries that a vendor's own limiter can count
/// as a violation; sending steadily just under the limit is what reaches 90% of it without a 429.
/// <para>
/// Permits are spaced on the moments they are really granted, too, not only on the moments reserved for them: a waiter whose
/// timer fires late (a stalled thread pool, a collection, a busy core) does not take its reserved moment and the next one
/// back to back. Granted permits never come closer than one interval (less the burst allowance), so a stall costs the moments
/// it spans and never turns into a burst that a vendor's small bucket would count as a violation.
/// </para>
/// <para>
/// The rate can change while permits are waiting (<see cref="ChangeRate"/>): a lower rate re-queues every waiter at it, so
/// a cut takes effect on the next permit rather than after the permits already promised at the old rate.
/// </para>
/// </summary>
public sealed class PacedRateLimiter : RateLimiter
{
    private const double GrantSlack = 0.005;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _burst;
    private double _rate;
    private double _interval;
    private double _burstWindow;
    private double _next;
    private double _nextGranted;
    private long _granted;
    private int _cuts;

    /// <summary>Creates a limiter.</summary>
    /// <param name="permitsPerSecond">The steady rate.</param>
    /// <param name="burst">Permits that may be granted back to back after an idle spell.</param>
    /// <param name="time">The clock.</param>
    public PacedRateLimiter(double permitsPerSecond, int burst = 1, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _time = time ?? TimeProvider.System;
        _burst = burst;
        SetRate(permitsPerSecond);
    }

    /// <summary>The steady rate now.</summary>
    public double PermitsPerSecond
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    /// <inheritdoc/>
    public override TimeSpan? IdleDuration => null;

    /// <summary>
    /// Changes the steady rate. A lower rate (or <paramref name="holdBack"/>) also holds the next permit back by one interval
    /// at the new rate from now, and sends every waiter back to queue at the new rate: the permits promised at the old rate
    /// are withdrawn.
    /// </summary>
    /// <param name="permitsPerSecond">The new rate, above 0.</param>
    /// <param name="holdBack">True to hold the next permit back even when the rate does not fall (a vendor refused a request:
    /// its window is presumed spent).</param>
    public void ChangeRate(double permitsPerSecond, bool holdBack = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        lock (_gate)
        {
            var cut = holdBack || permitsPerSecond < _rate;
            SetRate(permitsPerSecond);
            if (cut)
            {
                _next = Now() + _burstWindow + _interval;
                _nextGranted = Math.Max(_nextGranted, _next);
                _cuts++;
            }
        }
    }

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
            if (_next - _burstWindow > now || !MayGrant(now))
            {
                return Lease.Failed;
            }

            Reserve(now, permitCount);
            Grant(now, permitCount);
            return Lease.Granted;
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        while (true)
        {
            double wait;
            int cuts;
            lock (_gate)
            {
                var now = Now();
                var start = Math.Max(now, _next - _burstWindow);
                wait = start - now;
                Reserve(start, permitCount);
                cuts = _cuts;
            }

            await DelayAsync(wait, cancellationToken);

            // The reserved moment has come; the permit is granted once it is also an interval after the last one really
            // granted. A cut while this permit waited withdrew it: queue again at the new rate.
            while (Volatile.Read(ref _cuts) == cuts)
            {
                lock (_gate)
                {
                    if (_cuts != cuts)
                    {
                        break;
                    }

                    var now = Now();
                    if (MayGrant(now))
                    {
                        Grant(now, permitCount);
                        return Lease.Granted;
                    }

                    wait = _nextGranted - _burstWindow - now;
                }

                await DelayAsync(wait, cancellationToken);
            }
        }
    }

    private Task DelayAsync(double seconds, CancellationToken cancellationToken) =>
        seconds > 0
            ? Task.Delay(TimeSpan.FromTicks((long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond)), _time, cancellationToken)
            : Task.CompletedTask;

    // Whether a permit may be granted now, an interval (less the burst allowance) after the last one granted. The slack of
    // half a percent of an interval only absorbs the clocks' rounding: at the registry's safety margin, permits that catch
    // up at this spacing still come slower than the vendor's limit.
    private bool MayGrant(double now) => now >= _nextGranted - _burstWindow - (GrantSlack * _interval);

    private void Grant(double now, int permits)
    {
        _nextGranted = Math.Max(_nextGranted, now) + (permits * _interval);
        Interlocked.Add(ref _granted, permits);
    }

    private void SetRate(double permitsPerSecond)
    {
        _rate = permitsPerSecond;
        _interval = 1.0 / permitsPerSecond;
        _burstWindow = (_burst - 1) * _interval;
    }

    private void Reserve(double at, int permits)
    {
        // The theoretical arrival time moves on by one interval per permit from whichever is later: itself or now.
        _next = Math.Max(_next, at) + (permits * _interval);
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
