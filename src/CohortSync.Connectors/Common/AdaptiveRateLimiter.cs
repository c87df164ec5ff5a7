using System.Threading.RateLimiting;

namespace CohortSync.Connectors.Common;

/// <summary>
/// A credential's limiter: paces requests evenly (<see cref="PacedRateLimiter"/>) at a rate it adapts to what the vendor
/// answers when the vendor does not say how long to wait. The rule is AIMD, as in TCP:
/// <list type="bullet">
/// <item>a 429 with no <c>Retry-After</c> or <c>X-RateLimit-Reset</c> halves the rate (<see cref="DecreaseFactor"/>), at most
/// once per round trip: only a request sent after the last cut can cut again, so the burst of 429s one vendor window
/// answers to the requests already in flight counts once;</item>
/// <item>every <see cref="SuccessesPerIncrease"/> successes sent since the last cut add a step of
/// <see cref="IncreaseShare"/> of the rate the cut left (or the rate it was seeded at), up to <see cref="Ceiling"/>: the
/// configured or documented limit (times the safety margin), which the rate never exceeds;</item>
/// <item>the rate never falls below <see cref="Floor"/>.</item>
/// </list>
/// A 429 that says how long to wait is waited out as asked (by the resilience handler or the workflow's retry) and does not
/// change the rate. <see cref="LearnedPermitsPerSecond"/> is what a run reports for the next one, which
/// <see cref="Seed"/>s a fresh limiter with it.
/// </summary>
public sealed class AdaptiveRateLimiter : RateLimiter
{
    /// <summary>What a hint-less 429 multiplies the rate by.</summary>
    public const double DecreaseFactor = 0.5;

    /// <summary>Successes (of requests sent since the last cut) that earn one additive step.</summary>
    public const int SuccessesPerIncrease = 10;

    /// <summary>The additive step, as a share of the rate the last cut left (or of the seed): ten steps undo a halving.</summary>
    public const double IncreaseShare = 0.1;

    /// <summary>The lowest rate, requests a second (one every 20 s), unless the ceiling is lower still.</summary>
    public const double MinimumPermitsPerSecond = 0.05;

    /// <summary>How far above a learned rate a fresh limiter starts (<see cref="Seed"/>).</summary>
    public const double SeedHeadroom = 0.1;

    private readonly Lock _gate = new();
    private readonly PacedRateLimiter _pace;
    private readonly Action<RateChange>? _changed;
    private int _epoch;
    private int _successes;
    private double _step;
    private double? _lastHit;
    private bool _lastHitEndedClimb;
    private bool _climbed;
    private bool _seeded;

    /// <summary>Creates a limiter at its ceiling.</summary>
    /// <param name="ceiling">The highest rate, requests a second: the configured or documented limit times the safety margin.</param>
    /// <param name="burst">Permits that may go back to back after an idle spell.</param>
    /// <param name="time">The clock.</param>
    /// <param name="adaptive">False for a fixed rate: 429s and successes change nothing, and <see cref="Seed"/> is ignored.</param>
    /// <param name="changed">Told of every change of rate (for the log).</param>
    public AdaptiveRateLimiter(double ceiling, int burst, TimeProvider? time = null, bool adaptive = true, Action<RateChange>? changed = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ceiling);
        Ceiling = ceiling;
        Floor = Math.Min(ceiling, MinimumPermitsPerSecond);
        IsAdaptive = adaptive;
        _changed = changed;
        _pace = new PacedRateLimiter(ceiling, burst, time);
    }

    /// <summary>The highest rate: the rate when nothing has been learned.</summary>
    public double Ceiling { get; }

    /// <summary>The lowest rate.</summary>
    public double Floor { get; }

    /// <summary>False when the rate is fixed at <see cref="Ceiling"/>.</summary>
    public bool IsAdaptive { get; }

    /// <summary>The rate permits are paced at now.</summary>
    public double PermitsPerSecond => _pace.PermitsPerSecond;

    /// <summary>
    /// Cuts so far. A request notes it when it is sent and hands it back with its outcome
    /// (<see cref="OnThrottled"/>, <see cref="OnAccepted"/>), so outcomes of requests sent before a cut do not count after it.
    /// </summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>
    /// The rate to start the credential's next run near, or null when there is nothing to learn from (the rate is fixed, or
    /// it has been neither seeded nor cut: the ceiling was never refused). After a refusal that ended a climb (the rate had
    /// gone up since the cut before), it is the middle of the saw-tooth AIMD draws below the refused rate ((1 +
    /// <see cref="DecreaseFactor"/>) / 2 of it, its long-run average), whatever the phase the run ended in. After a refusal
    /// while still coming down from the ceiling, when the limit may be anywhere below the refused rate, it is the rate
    /// itself, but no more than that middle. Once the rate has climbed past the refused one without a refusal (the vendor's
    /// limit went up), or after a seed with no cut, it is the rate itself.
    /// </summary>
    public double? LearnedPermitsPerSecond
    {
        get
        {
            lock (_gate)
            {
                if (!IsAdaptive || (!_seeded && _epoch == 0))
                {
                    return null;
                }

                var rate = _pace.PermitsPerSecond;
                if (_lastHit is not { } hit || rate > hit)
                {
                    return rate;
                }

                var middle = hit * (1 + DecreaseFactor) / 2;
                return _lastHitEndedClimb ? middle : Math.Min(rate, middle);
            }
        }
    }

    /// <inheritdoc/>
    public override TimeSpan? IdleDuration => null;

    /// <summary>
    /// Starts a fresh limiter near a rate an earlier run learned: at <c>min(</c><see cref="Ceiling"/><c>, learned x (1 +
    /// </c><see cref="SeedHeadroom"/><c>))</c>. Only a limiter that has neither been seeded nor cut takes it: one that has
    /// learned in this process keeps what it knows.
    /// </summary>
    /// <param name="learnedPermitsPerSecond">The learned rate (a <see cref="LearnedPermitsPerSecond"/> of an earlier run).</param>
    /// <returns>True when the seed was taken.</returns>
    public bool Seed(double learnedPermitsPerSecond)
    {
        if (!IsAdaptive || !(learnedPermitsPerSecond > 0) || double.IsInfinity(learnedPermitsPerSecond))
        {
            return false;
        }

        RateChange change;
        lock (_gate)
        {
            if (_seeded || _epoch > 0)
            {
                return false;
            }

            _seeded = true;
            var rate = Math.Clamp(learnedPermitsPerSecond * (1 + SeedHeadroom), Floor, Ceiling);
            _step = rate * IncreaseShare;
            change = SetRate(rate, RateChangeReason.Seeded, holdBack: false);
        }

        _changed?.Invoke(change);
        return true;
    }

    /// <summary>
    /// A request sent at <paramref name="epoch"/> was refused with 429 and no hint of how long to wait: cuts the rate by
    /// <see cref="DecreaseFactor"/> unless a cut already followed that request's sending.
    /// </summary>
    /// <returns>True when the rate was cut.</returns>
    public bool OnThrottled(int epoch)
    {
        if (!IsAdaptive)
        {
            return false;
        }

        RateChange change;
        lock (_gate)
        {
            if (epoch != _epoch)
            {
                return false;
            }

            var rate = _pace.PermitsPerSecond;
            var cut = Math.Max(Floor, rate * DecreaseFactor);
            _lastHit = rate;
            _lastHitEndedClimb = _climbed;
            _climbed = false;
            _epoch++;
            _successes = 0;
            _step = cut * IncreaseShare;

            // Even at the floor the next permit waits a full interval: the vendor's window is presumed spent.
            change = SetRate(cut, RateChangeReason.Throttled, holdBack: true);
        }

        _changed?.Invoke(change);
        return true;
    }

    /// <summary>A request sent at <paramref name="epoch"/> succeeded: counts towards the next additive step.</summary>
    /// <returns>True when the rate went up.</returns>
    public bool OnAccepted(int epoch)
    {
        if (!IsAdaptive)
        {
            return false;
        }

        RateChange change;
        lock (_gate)
        {
            var rate = _pace.PermitsPerSecond;
            if (epoch != _epoch || rate >= Ceiling || ++_successes < SuccessesPerIncrease)
            {
                return false;
            }

            _successes = 0;
            _climbed = true;
            change = SetRate(Math.Min(Ceiling, rate + Math.Max(_step, Floor * IncreaseShare)), RateChangeReason.Increased, holdBack: false);
        }

        _changed?.Invoke(change);
        return true;
    }

    /// <inheritdoc cref="PacedRateLimiter.TryAcquireMoment"/>
    public bool TryAcquireMoment(double moment, out double wait) => _pace.TryAcquireMoment(moment, out wait);

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics() => _pace.GetStatistics();

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => _pace.AttemptAcquire(permitCount);

    /// <inheritdoc/>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        _pace.AcquireAsync(permitCount, cancellationToken);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pace.Dispose();
        }

        base.Dispose(disposing);
    }

    private RateChange SetRate(double rate, RateChangeReason reason, bool holdBack)
    {
        var before = _pace.PermitsPerSecond;
        _pace.ChangeRate(rate, holdBack);
        return new RateChange(before, rate, reason);
    }
}

/// <summary>A change of a credential's rate.</summary>
/// <param name="From">The rate before, requests a second.</param>
/// <param name="To">The rate after.</param>
/// <param name="Reason">Why it changed.</param>
public sealed record RateChange(double From, double To, RateChangeReason Reason);

/// <summary>Why a credential's rate changed.</summary>
public enum RateChangeReason
{
    /// <summary>A fresh limiter started near the rate an earlier run learned.</summary>
    Seeded,

    /// <summary>A 429 without a hint of how long to wait: the rate was cut.</summary>
    Throttled,

    /// <summary>A spell of successes: the rate went up a step.</summary>
    Increased,
}
