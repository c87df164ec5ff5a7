using CohortSync.Connectors.Common;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Connectors.Tests.Common;

public sealed class RateLimitRegistryTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void For_SameCredentialInALaterRun_KeepsTheRateItLearnedAndIgnoresTheStoredOne()
    {
        // Arrange
        using var registry = new RateLimitRegistry(_time);
        var first = registry.For("iterable|https://api.iterable.com|key", 10);
        first.OnThrottled(first.Epoch);

        // Act
        var again = registry.For("iterable|https://api.iterable.com|key", 10, learnedPermitsPerSecond: 9);

        // Assert
        Assert.Same(first, again);
        Assert.Equal(10 * RateLimitRegistry.SafetyMargin / 2, again.PermitsPerSecond, 9);
    }

    [Fact]
    public void For_FreshCredentialWithALearnedRate_StartsNearItBelowTheConfiguredLimit()
    {
        // Arrange
        using var registry = new RateLimitRegistry(_time);

        // Act
        var limiter = registry.For("iterable|https://api.iterable.com|key", 50, learnedPermitsPerSecond: 4);

        // Assert
        Assert.Equal(4.4, limiter.PermitsPerSecond, 9);
        Assert.Equal(50 * RateLimitRegistry.SafetyMargin, limiter.Ceiling, 9);
    }

    [Fact]
    public void For_FixedRate_IsALimiterOfItsOwnThatDoesNotAdapt()
    {
        // Arrange
        using var registry = new RateLimitRegistry(_time);
        var adaptive = registry.For("c", 10);

        // Act
        var fixedRate = registry.For("c", 10, learnedPermitsPerSecond: 1, adaptive: false);
        fixedRate.OnThrottled(fixedRate.Epoch);

        // Assert
        Assert.NotSame(adaptive, fixedRate);
        Assert.False(fixedRate.IsAdaptive);
        Assert.Equal(9.9, fixedRate.PermitsPerSecond, 9);
    }
}
