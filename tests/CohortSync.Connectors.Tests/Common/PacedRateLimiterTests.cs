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
    public async Task AcquireAsync_WaitersWokenLateTogether_AreGrantedOnTheGridsNextMomentsNotBackToBack()
    {
        // Arrange: at 10 a second, two waiters are promised the moments 0.1 s and 0.2 s after a first permit.
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

        // Act: the clock jumps 0.35 s at once, as when a stall holds both timers past their moments. The waiters go on
        // when their timers fire; the one granted at the stall is awaited (bounded in real time), the other can only be
        // granted on a later moment of the fake clock.
        time.Advance(TimeSpan.FromMilliseconds(350));
        var grantedAtTheStall = await Task.WhenAny(second, third).WaitAsync(TimeSpan.FromSeconds(10));
        var other = grantedAtTheStall == second ? third : second;
        time.Advance(TimeSpan.FromMilliseconds(49));
        var otherBeforeTheNextMoment = other.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(1));
        await other.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert: one permit at the end of the stall (on the moment 0.3 s, still within half an interval), the other on the
        // next moment, 0.4 s: never both together, and the moments the stall spanned are given up, not caught up.
        Assert.False(otherBeforeTheNextMoment);
        Assert.True((await second).IsAcquired && (await third).IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_APermitALittleLate_KeepsItsMomentAndTheNextOneIsNotPushedBack()
    {
        // Arrange: at 10 a second, a first permit on the moment 1.0 s.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        using var limiter = new PacedRateLimiter(permitsPerSecond: 10, burst: 1, time);
        using var first = await limiter.AcquireAsync();

        // Act: the next caller comes 40 ms after its moment (1.1 s), as a late timer does; the one after comes on its moment.
        time.Advance(TimeSpan.FromMilliseconds(140));
        var late = limiter.AttemptAcquire();
        time.Advance(TimeSpan.FromMilliseconds(60));
        var onTime = limiter.AttemptAcquire();

        // Assert: both are granted at once: the late one on its own moment, so the next moment (1.2 s) is still free.
        Assert.True(late.IsAcquired);
        Assert.True(onTime.IsAcquired);
    }

    [Fact]
    public void AttemptAcquire_AfterAnIdleInterval_IsGrantedAtOnceAndTheNextPermitWaitsForItsMomentAndHalfAnInterval()
    {
        // Arrange: at 10 a second, a permit on the moment 1.0 s, then nothing for 160 ms.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(1));
        using var limiter = new PacedRateLimiter(permitsPerSecond: 10, burst: 1, time);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        time.Advance(TimeSpan.FromMilliseconds(160));

        // Act
        var afterIdle = limiter.AttemptAcquire();
        var rightAfter = limiter.AttemptAcquire();
        time.Advance(TimeSpan.FromMilliseconds(40));
        var onTheNextMoment = limiter.AttemptAcquire();
        time.Advance(TimeSpan.FromMilliseconds(10));
        var halfAnIntervalAfterTheLast = limiter.AttemptAcquire();
        var another = limiter.AttemptAcquire();

        // Assert: the idle limiter grants at once (on the moment 1.1 s just past); the moment 1.2 s is granted when it has
        // come and half an interval has passed since the last permit (1.21 s), and once only.
        Assert.True(afterIdle.IsAcquired);
        Assert.False(rightAfter.IsAcquired);
        Assert.False(onTheNextMoment.IsAcquired);
        Assert.True(halfAnIntervalAfterTheLast.IsAcquired);
        Assert.False(another.IsAcquired);
    }

    [Fact]
    public void TryAcquireMoment_GrantsALanesOwnMomentOnceAndOnlyWhileItIsDue()
    {
        // Arrange: at 10 a second, on the grid 0.0 s, 0.1 s, 0.2 s, ...
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(2));
        using var limiter = new PacedRateLimiter(permitsPerSecond: 10, burst: 1, time);

        // Act
        var early = limiter.TryAcquireMoment(2.1, out var waitEarly);
        time.Advance(TimeSpan.FromMilliseconds(180));
        var lateButDue = limiter.TryAcquireMoment(2.1, out _);
        var again = limiter.TryAcquireMoment(2.1, out var waitAgain);
        var nextTooSoon = limiter.TryAcquireMoment(2.2, out var waitNext);
        time.Advance(TimeSpan.FromMilliseconds(200));
        var nextOneLate = limiter.TryAcquireMoment(2.3, out _);
        var skipped = limiter.TryAcquireMoment(2.2, out var waitSkipped);

        // Assert: not before its moment (wait 0.1 s); 80 ms late is still due (under 0.9 of an interval); a moment is
        // granted once; the next waits until half an interval after the last permit (2.23 s); at 2.38 s the moment 2.3 s is
        // still due, and 2.2 s, behind it, is lost.
        Assert.False(early);
        Assert.Equal(0.1, waitEarly, 6);
        Assert.True(lateButDue);
        Assert.False(again);
        Assert.Equal(0, waitAgain);
        Assert.False(nextTooSoon);
        Assert.Equal(0.05, waitNext, 6);
        Assert.True(nextOneLate);
        Assert.False(skipped);
        Assert.Equal(0, waitSkipped);
    }
}
