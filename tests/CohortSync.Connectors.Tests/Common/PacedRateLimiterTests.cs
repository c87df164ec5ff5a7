using System.Diagnostics;
using CohortSync.Connectors.Common;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Connectors.Tests.Common;

public sealed class PacedRateLimiterTests
{
    [Fact]
    public async Task AcquireAsync_ManyPermits_AreSpacedAtTheRate()
    {
        // Arrange
        using var limiter = new PacedRateLimiter(permitsPerSecond: 200, burst: 1);
        var clock = Stopwatch.StartNew();

        // Act
        for (var i = 0; i < 41; i++)
        {
            using var lease = await limiter.AcquireAsync();
            Assert.True(lease.IsAcquired);
        }

        // Assert: 40 intervals of 5 ms cannot take less than 200 ms.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(195), $"took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public void AttemptAcquire_BeyondTheBurst_Fails()
    {
        // Arrange
        using var limiter = new PacedRateLimiter(permitsPerSecond: 1, burst: 2);

        // Act
        var first = limiter.AttemptAcquire();
        var second = limiter.AttemptAcquire();
        var third = limiter.AttemptAcquire();

        // Assert
        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_WaitersWokenLate_AreStillGrantedAnIntervalApart()
    {
        // Arrange: at 10 a second, two waiters reserve the moments 0.1 s and 0.2 s after a first permit.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var limiter = new PacedRateLimiter(permitsPerSecond: 10, burst: 1, time);
        using var first = await limiter.AcquireAsync();
        // Started off the test's synchronisation context, so the limiter's continuations run inside Advance.
        Task<System.Threading.RateLimiting.RateLimitLease> second = null!, third = null!;
        await Task.Run(() =>
        {
            second = limiter.AcquireAsync().AsTask();
            third = limiter.AcquireAsync().AsTask();
        });

        // Act: the clock jumps 0.35 s at once, as when a stall holds both timers past their moments.
        time.Advance(TimeSpan.FromMilliseconds(350));
        var grantedAtTheStall = new[] { second, third }.Count(t => t.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(99));
        var grantedBeforeAnInterval = new[] { second, third }.Count(t => t.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert: one permit at the end of the stall, the other an interval later, not both together.
        Assert.Equal(1, grantedAtTheStall);
        Assert.Equal(1, grantedBeforeAnInterval);
        Assert.True(second.IsCompleted && third.IsCompleted);
        Assert.True((await second).IsAcquired && (await third).IsAcquired);
    }
}
