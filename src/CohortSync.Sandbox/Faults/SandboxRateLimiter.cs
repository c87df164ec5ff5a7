using System.Collections.Concurrent;

namespace CohortSync.Sandbox.Faults;

/// <summary>
/// A vendor's rate limit as the sandbox enforces it: a token bucket per credential that refills continuously at the limit
/// and holds <see cref="Burst"/> tokens. A request that finds the bucket empty is a violation: the vendor answers 429 with
/// how long to wait, and the sandbox counts it.
/// </summary>
public sealed class SandboxRateLimiter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private int _violations;

    /// <summary>Creates a limiter.</summary>
    public SandboxRateLimiter(double permitsPerSecond, double burst, TimeProvider? time = null)
    {
        PermitsPerSecond = permitsPerSecond;
        Burst = burst;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The limit; 0 or less turns limiting off.</summary>
    public double PermitsPerSecond { get; set; }

    /// <summary>The bucket size.</summary>
    public double Burst { get; set; }

    /// <summary>Requests refused for the limit.</summary>
    public int Violations => _violations;

    /// <summary>Takes a token for a credential; false (with the wait) when there is none.</summary>
    public bool TryTake(string credential, out TimeSpan retryAfter, out double remaining)
    {
        retryAfter = TimeSpan.Zero;
        remaining = Burst;
        if (PermitsPerSecond <= 0)
        {
            return true;
        }

        var bucket = _buckets.GetOrAdd(credential, _ => new Bucket(Burst, _time.GetTimestamp()));
        lock (bucket)
        {
            var now = _time.GetTimestamp();
            var elapsed = (now - bucket.Stamp) / (double)_time.TimestampFrequency;
            bucket.Tokens = Math.Min(Burst, bucket.Tokens + (elapsed * PermitsPerSecond));
            bucket.Stamp = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                remaining = Math.Floor(bucket.Tokens);
                return true;
            }

            remaining = 0;
            retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / PermitsPerSecond);
            Interlocked.Increment(ref _violations);
            return false;
        }
    }

    /// <summary>Forgets every bucket and the violation count.</summary>
    public void Reset()
    {
        _buckets.Clear();
        _violations = 0;
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Stamp { get; set; } = stamp;
    }
}
