using CohortSync.Connectors.Common;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Connectors.Tests.Common;

public sealed class AdaptiveRateLimiterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void OnThrottled_HintLess429_HalvesTheRate()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);

        // Act
        var cut = limiter.OnThrottled(limiter.Epoch);

        // Assert
        Assert.True(cut);
        Assert.Equal(5, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void OnThrottled_RefusalsOfRequestsSentBeforeTheCut_CutOnce()
    {
        // Arrange: four requests in flight when the vendor's window ran out.
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        var sentAt = limiter.Epoch;

        // Act
        var cuts = Enumerable.Range(0, 4).Count(_ => limiter.OnThrottled(sentAt));

        // Assert
        Assert.Equal(1, cuts);
        Assert.Equal(5, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void OnThrottled_RequestSentAfterTheCut_CutsAgain()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        limiter.OnThrottled(limiter.Epoch);

        // Act
        var cut = limiter.OnThrottled(limiter.Epoch);

        // Assert
        Assert.True(cut);
        Assert.Equal(2.5, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void OnThrottled_Endlessly_StopsAtAFloorAboveZero()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);

        // Act
        for (var i = 0; i < 100; i++)
        {
            limiter.OnThrottled(limiter.Epoch);
        }

        // Assert
        Assert.Equal(AdaptiveRateLimiter.MinimumPermitsPerSecond, limiter.PermitsPerSecond, 9);
        Assert.Equal(AdaptiveRateLimiter.MinimumPermitsPerSecond, limiter.Floor);
    }

    [Fact]
    public void OnAccepted_SpellsOfSuccesses_RaiseTheRateBySteadyStepsUpToTheCeilingAndNoFurther()
    {
        // Arrange: cut from 10 to 5; each step is a tenth of 5.
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        limiter.OnThrottled(limiter.Epoch);
        var rates = new List<double>();

        // Act
        for (var i = 0; i < 200; i++)
        {
            if (limiter.OnAccepted(limiter.Epoch))
            {
                rates.Add(limiter.PermitsPerSecond);
            }
        }

        // Assert: ten steps of 0.5 after every tenth success, then it stays at the ceiling.
        Assert.Equal(Enumerable.Range(1, 10).Select(i => 5 + (0.5 * i)), rates, (a, b) => Math.Abs(a - b) < 1e-9);
        Assert.Equal(10, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void OnAccepted_SuccessesOfRequestsSentBeforeTheCut_DoNotCount()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        var before = limiter.Epoch;
        limiter.OnThrottled(before);

        // Act
        var raised = Enumerable.Range(0, 50).Count(_ => limiter.OnAccepted(before));

        // Assert
        Assert.Equal(0, raised);
        Assert.Equal(5, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void OnThrottled_FixedRateLimiter_ChangesNothing()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time, adaptive: false);

        // Act
        limiter.OnThrottled(limiter.Epoch);
        var seeded = limiter.Seed(1);

        // Assert
        Assert.False(seeded);
        Assert.Equal(10, limiter.PermitsPerSecond, 9);
        Assert.Null(limiter.LearnedPermitsPerSecond);
    }

    [Fact]
    public void LearnedPermitsPerSecond_AfterCutsComingDownFromTheCeiling_IsTheRateButNoMoreThanTheMiddleOfTheSawTooth()
    {
        // Arrange: refused at 20 and then at 10, cut to 5; each step is 0.5.
        using var limiter = new AdaptiveRateLimiter(20, burst: 2, _time);
        var beforeAnyRefusal = limiter.LearnedPermitsPerSecond;
        limiter.OnThrottled(limiter.Epoch);
        limiter.OnThrottled(limiter.Epoch);
        var learned = new List<double>();

        // Act: note what it would hand on after each of 12 steps up.
        for (var i = 0; i < 120; i++)
        {
            if (limiter.OnAccepted(limiter.Epoch))
            {
                learned.Add(limiter.LearnedPermitsPerSecond!.Value);
            }
        }

        // Assert: the rate while it climbs to 7.5 (three quarters of the refused 10), then 7.5 until the rate passes 10
        // unrefused, then the rate again.
        Assert.Null(beforeAnyRefusal);
        Assert.Equal([5.5, 6, 6.5, 7, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 10.5, 11], learned, (a, b) => Math.Abs(a - b) < 1e-9);
    }

    [Fact]
    public void LearnedPermitsPerSecond_AfterARefusalThatEndedAClimb_IsTheMiddleOfTheSawToothWhateverTheRateNow()
    {
        // Arrange: cut from 10 to 5, climbed to 6 (two steps), refused there and cut to 3.
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        limiter.OnThrottled(limiter.Epoch);
        for (var i = 0; i < 20; i++)
        {
            limiter.OnAccepted(limiter.Epoch);
        }

        limiter.OnThrottled(limiter.Epoch);

        // Act
        var justCut = limiter.LearnedPermitsPerSecond;
        for (var i = 0; i < 20; i++)
        {
            limiter.OnAccepted(limiter.Epoch);
        }

        // Assert: three quarters of 6, at 3 as at 3.6.
        Assert.Equal(3.6, limiter.PermitsPerSecond, 9);
        Assert.Equal(4.5, justCut!.Value, 9);
        Assert.Equal(4.5, limiter.LearnedPermitsPerSecond!.Value, 9);
    }

    [Fact]
    public void Seed_FreshLimiter_StartsAboveTheLearnedRateByTheHeadroom()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(47.5, burst: 2, _time);

        // Act
        var seeded = limiter.Seed(4);

        // Assert
        Assert.True(seeded);
        Assert.Equal(4 * (1 + AdaptiveRateLimiter.SeedHeadroom), limiter.PermitsPerSecond, 9);
        Assert.Equal(limiter.PermitsPerSecond, limiter.LearnedPermitsPerSecond!.Value, 9);
    }

    [Fact]
    public void Seed_AboveTheCeiling_StartsAtTheCeiling()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(9.5, burst: 2, _time);

        // Act
        limiter.Seed(50);

        // Assert
        Assert.Equal(9.5, limiter.PermitsPerSecond, 9);
    }

    [Fact]
    public void Seed_LimiterThatHasLearnedInThisProcess_KeepsWhatItLearned()
    {
        // Arrange
        using var limiter = new AdaptiveRateLimiter(10, burst: 2, _time);
        limiter.OnThrottled(limiter.Epoch);
        using var seededOnce = new AdaptiveRateLimiter(10, burst: 2, _time);
        seededOnce.Seed(2);

        // Act
        var afterCut = limiter.Seed(8);
        var again = seededOnce.Seed(8);

        // Assert
        Assert.False(afterCut);
        Assert.False(again);
        Assert.Equal(5, limiter.PermitsPerSecond, 9);
        Assert.Equal(2.2, seededOnce.PermitsPerSecond, 9);
    }

    [Fact]
    public async Task AcquireAsync_AfterACut_TheNextPermitWaitsOneIntervalAtTheNewRate()
    {
        // Arrange: 10 a second, then cut to 5: the next permit is 200 ms away, not 100 ms.
        using var limiter = new AdaptiveRateLimiter(10, burst: 1, _time);
        (await limiter.AcquireAsync()).Dispose();
        limiter.OnThrottled(limiter.Epoch);

        // Act
        var next = limiter.AcquireAsync().AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(150));
        var earlyDone = next.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(50));
        using var lease = await next;

        // Assert
        Assert.False(earlyDone);
        Assert.True(lease.IsAcquired);
    }

    [Fact]
    public Task AcquireAsync_PermitsPromisedBeforeACut_AreQueuedAgainAtTheNewRate() =>
        // Off the test framework's synchronisation context, a waiter whose delay ends runs on within Advance itself, so
        // each tick of the fake clock sees every permit it released.
        Task.Run(async () =>
        {
            // Arrange: at 10 a second three waiters are promised 100, 200 and 300 ms; then three cuts bring it to 1.25.
            using var limiter = new AdaptiveRateLimiter(10, burst: 1, _time);
            (await limiter.AcquireAsync()).Dispose();
            var waiters = Enumerable.Range(0, 3).Select(_ => limiter.AcquireAsync().AsTask()).ToList();
            for (var i = 0; i < 3; i++)
            {
                limiter.OnThrottled(limiter.Epoch);
            }

            // Act: step the clock in 100 ms ticks and note when each permit is granted.
            var granted = new List<int>();
            for (var tick = 1; tick <= 30 && granted.Count < 3; tick++)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
                granted.AddRange(Enumerable.Repeat(tick, waiters.Count(w => w.IsCompleted) - granted.Count));
            }

            // Assert: one interval at the new rate (800 ms) after the cut, and 800 ms apart.
            Assert.Equal(1.25, limiter.PermitsPerSecond, 9);
            Assert.Equal([8, 16, 24], granted);
        });
}
