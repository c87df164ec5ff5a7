using System.Diagnostics;
using CohortSync.Connectors.Common;

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
}
