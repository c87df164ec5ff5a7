using System.Threading.RateLimiting;

namespace CohortSync.Connectors.Common;

/// <summary>
/// A <see cref="RateLimiter"/> that spaces permits evenly at an exact rate. The framework's
/// <see cref="TokenBucketRateLimiter"/> refills on a timer in whole tokens per period, which quantises rates (69.4 requests a
/// second with 100 ms periods becomes 60) and releases bursts at period boundaries that a vendor's own limiter can count
/// as a violation; sending steadily just under the limit is what reaches 97% of it without a 429.
/// <para>
/// Permits are granted on the moments of a grid the rate draws on the wall clock: moment k is <c>k / rate</c> seconds after
/// the Unix epoch, the grid the send lanes' <see cref="SharePacer"/> takes its turns on. Each moment is granted at most
/// once, in order, never before its time (less the burst allowance), and never later than <see cref="Lateness"/> of an
/// interval after it (or <see cref="LatenessFloorSeconds"/> at high rates); with a burst of 1, two permits are also never granted closer than half an interval. A permit that
/// comes a little late (a busy core, a timer, a collection) keeps its moment, so one late caller does not push every
/// later permit back; one that comes later than that gives its moment up (a stall costs the moments it spans and never
/// turns into a catch-up burst). In any span of time the limiter so grants at most the moments the span holds plus two:
/// within what a vendor's bucket of two or more allows at the registry's safety margin.
/// </para>
/// <para>
/// A caller without a moment of its own (<see cref="RateLimiter.AcquireAsync(int, CancellationToken)"/>) takes the next
/// moment no other permit holds or was promised; a send lane asks for its own (<see cref="TryAcquireMoment"/>), so lanes
/// that come on their moments never queue behind a late one.
/// </para>
/// <para>
/// The rate can change while permits are waiting (<see cref="ChangeRate"/>): a lower rate re-queues every waiter at it, so
/// a cut takes effect on the next permit rather than after the permits already promised at the old rate.
/// </para>
/// </summary>
public sealed class PacedRateLimiter : RateLimiter
{
    /// <summary>How late after its moment, in intervals, a send lane's permit may still be granted on it.</summary>
    public const double Lateness = 0.9;

    /// <summary>
    /// How late a send lane's permit may always be, in seconds, however short the interval: a timer seldom fires within a
    /// millisecond of its time, so at a thousand requests a second 0.9 of an interval could seldom be met. Above 450 a
    /// second this lets up to two permits more into a span than the moments it holds; a vendor that allows such rates has
    /// a bucket larger than that.
    /// </summary>
    public const double LatenessFloorSeconds = 0.002;

    // How late after its moment a waiter without a moment of its own may still take it, in intervals.
    private const double Tolerance = 0.5;

    // The least time between two permits with a burst of 1, in intervals.
    private const double MinimumSpacing = 0.5;

    // Absorbs the rounding of the grid's arithmetic (moments are multiples of the interval, in seconds since the epoch).
    private const double Rounding = 1e-6;

    // A wait shorter than this (seconds) is the arithmetic's rounding, not time still to pass: a permit so near its time is
    // due, and a timer is not started for it.
    private const double ClockSlack = 2e-6;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _burst;
    private double _rate;
    private double _interval;
    private double _burstWindow;
    private double _spacing;
    private double _claimed = double.NegativeInfinity;
    private double _lastGranted = double.NegativeInfinity;
    private double _lastGrantedAt = double.NegativeInfinity;
    private double _hold = double.NegativeInfinity;
    private int _waiting;
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
                _hold = Now() + _burstWindow + _interval;
                _claimed = _lastGranted;
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

    /// <summary>
    /// Grants one permit on a moment of the grid the caller chose (a send lane's turn, <see cref="SharePacer"/>), if no
    /// permit holds it or a later one, no cut holds it back, it has come and is no more than <see cref="Lateness"/> of an
    /// interval past.
    /// </summary>
    /// <param name="moment">Seconds since the Unix epoch on the wall clock, on the grid of <see cref="PermitsPerSecond"/>.</param>
    /// <param name="wait">When the moment is still to be had but not yet (it has not come, or the last permit was granted
    /// less than half an interval ago): how long to wait before asking again, in seconds; otherwise 0.</param>
    /// <returns>True when the permit is granted; false with <paramref name="wait"/> 0 when the moment is lost.</returns>
    public bool TryAcquireMoment(double moment, out double wait)
    {
        lock (_gate)
        {
            var now = Now();
            wait = 0;
            var free = moment >= _claimed + ((1 - Rounding) * _interval) && moment >= _hold - (Rounding * _interval);
            if (!free || now > moment + Math.Max(Lateness * _interval, LatenessFloorSeconds))
            {
                return false;
            }

            var from = Math.Max(moment - _burstWindow, _lastGrantedAt + _spacing);
            if (now < from - ClockSlack)
            {
                wait = from - now;
                return false;
            }

            Grant(moment, 1, now);
            return true;
        }
    }

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            var now = Now();
            var moment = NextMoment(now, permitCount);
            if (Math.Max(moment - _burstWindow, _lastGrantedAt + _spacing) > now + ClockSlack)
            {
                return Lease.Failed;
            }

            Grant(moment, permitCount, now);
            return Lease.Granted;
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        while (true)
        {
            double moment;
            int cuts;
            lock (_gate)
            {
                var now = Now();
                moment = NextMoment(now, permitCount);
                if (Math.Max(moment - _burstWindow, _lastGrantedAt + _spacing) <= now + ClockSlack)
                {
                    Grant(moment, permitCount, now);
                    return Lease.Granted;
                }

                // Promised to this waiter: the next permit takes the moment after it.
                _claimed = moment + ((permitCount - 1) * _interval);
                cuts = _cuts;
                _waiting++;
            }

            try
            {
                // Granted on the promised moment once it has come (a timer may fire a little early on the wall clock), unless
                // a cut withdrew it or the waiter woke too late for it: then it queues again.
                while (true)
                {
                    double wait;
                    lock (_gate)
                    {
                        if (_cuts != cuts)
                        {
                            break;
                        }

                        var now = Now();
                        if (now > moment + (Tolerance * _interval) || moment <= _lastGranted)
                        {
                            break;
                        }

                        wait = Math.Max(moment - _burstWindow, _lastGrantedAt + _spacing) - now;
                        if (wait <= ClockSlack)
                        {
                            Grant(moment, permitCount, now);
                            return Lease.Granted;
                        }
                    }

                    await DelayAsync(wait, cancellationToken);
                }
            }
            finally
            {
                lock (_gate)
                {
                    _waiting--;
                }
            }
        }
    }

    /// <summary>
    /// Waits at least <paramref name="seconds"/>, rounded up to whole milliseconds: timers drop a wait's fraction of a
    /// millisecond, so a wait of 0.3 ms would end at once and one of 35.3 ms 0.3 ms early. Less than
    /// <see cref="ClockSlack"/> is no wait.
    /// </summary>
    internal static Task WaitAsync(double seconds, TimeProvider time, CancellationToken cancellationToken) =>
        seconds > ClockSlack
            ? Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling((seconds - ClockSlack) * 1000)), time, cancellationToken)
            : Task.CompletedTask;

    private Task DelayAsync(double seconds, CancellationToken cancellationToken) => WaitAsync(seconds, _time, cancellationToken);

    // The next moment on the grid a permit may take (it holds that moment and the permits - 1 after it): after the last one
    // granted or promised, not too far in the past, and not before a cut's hold. A wall clock set back while
    // no one waits would leave the last moment ahead of now; it is then forgotten rather than waited for.
    private double NextMoment(double now, int permits)
    {
        if (_waiting == 0 && _claimed > now + _burstWindow + (permits * _interval) && _hold <= now)
        {
            _claimed = _lastGranted = _lastGrantedAt = now - _interval;
        }

        var afterLast = Math.Ceiling((_claimed * _rate) - Rounding) + 1;
        // After an idle interval the moment just past is taken (the vendor's window has refilled), so a permit is granted
        // at once rather than on the next moment; otherwise the nearest moment not more than the tolerance past.
        var notLate = _claimed < now - _interval
            ? Math.Floor((now * _rate) + Rounding)
            : Math.Ceiling((now * _rate) - Tolerance - Rounding);
        var afterHold = Math.Ceiling((_hold * _rate) - Rounding);
        return Math.Max(afterLast, Math.Max(notLate, afterHold)) / _rate;
    }

    private void Grant(double moment, int permits, double now)
    {
        var last = moment + ((permits - 1) * _interval);
        _claimed = Math.Max(_claimed, last);
        _lastGranted = Math.Max(_lastGranted, last);
        _lastGrantedAt = now;
        Interlocked.Add(ref _granted, permits);
    }

    private void SetRate(double permitsPerSecond)
    {
        _rate = permitsPerSecond;
        _interval = 1.0 / permitsPerSecond;
        _burstWindow = (_burst - 1) * _interval;
        _spacing = _burst == 1 ? MinimumSpacing * _interval : 0;
    }

    // Seconds since the Unix epoch on the wall clock: the grid's origin, the same as the send lanes'.
    private double Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).TotalSeconds;

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
