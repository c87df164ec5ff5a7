using System.Diagnostics;
using System.Globalization;

namespace CohortSync.Testing;

/// <summary>
/// The one way to wait until something is true: polls a condition at a short interval and fails, naming what was awaited and
/// for how long, when it is still false after the timeout. A sleep never stands in for a condition.
/// </summary>
public static class Eventually
{
    /// <summary>How often a condition is checked: short, so a wait ends within a few milliseconds of the condition.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what, cancellationToken);
    }

    /// <summary>Waits until the asynchronous <paramref name="condition"/> (a storage read, an HTTP call) holds.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>; the message names <paramref name="what"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default) =>
        UntilAsync(condition, static done => done, timeout, what, describe: null, cancellationToken);

    /// <summary>
    /// Reads <paramref name="probe"/> until <paramref name="done"/> accepts what it returned, and returns that value. The probe may
    /// throw to give up early (say, when a run ended with another status). On timeout the message names <paramref name="what"/>
    /// and, with <paramref name="describe"/>, the last value seen.
    /// </summary>
    /// <exception cref="TimeoutException">No value was accepted within <paramref name="timeout"/>.</exception>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentException.ThrowIfNullOrEmpty(what);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe().ConfigureAwait(false);
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed >= timeout)
            {
                var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                var last = describe is null ? string.Empty : "; last seen: " + describe(value);
                throw new TimeoutException($"waited {seconds} s for {what}, in vain{last}");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
