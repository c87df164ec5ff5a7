using CohortSync.Connectors.Common;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Connectors.Tests.Common;

public sealed class SharePacerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void WaitTurnAsync_TwoLanes_TakeAlternateMomentsOfTheRate()
    {
        // Arrange: 10 a second in two lanes: lane 0 owns 0, 200, 400 ms, lane 1 owns 100, 300, 500 ms.
        using var credential = new AdaptiveRateLimiter(10, burst: 2, _time);
        var lane0 = new SharePacer(credential, share: 0.5, _time, lane: 0);
        var lane1 = new SharePacer(credential, share: 0.5, _time, lane: 1);

        // Act
        var released = Release(lane0, lane1, lane0, lane1, lane0, lane1);

        // Assert
        Assert.Equal([0, 100, 200, 300, 400, 500], released);
    }

    [Fact]
    public void WaitTurnAsync_ALaneOnItsMoment_IsNotPushedBackByALaneThatCameLateForItsOwn()
    {
        // Arrange: 10 a second in two lanes, on the credential's limiter with no burst: lane 0 owns 1.0 s, lane 1 owns 1.1 s.
        using var credential = new AdaptiveRateLimiter(10, burst: 1, _time);
        _time.Advance(TimeSpan.FromMilliseconds(950));
        var lane0 = new SharePacer(credential, share: 0.5, _time, lane: 0);
        var lane1 = new SharePacer(credential, share: 0.5, _time, lane: 1);
        var late = lane0.WaitTurnAsync(CancellationToken.None);
        var onTime = lane1.WaitTurnAsync(CancellationToken.None);

        // Act: lane 0's timer fires 40 ms after its moment (a busy core), then lane 1's moment comes.
        _time.Advance(TimeSpan.FromMilliseconds(90));
        var lateGranted = late.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(60));
        var onTimeGranted = onTime.IsCompleted;

        // Assert: the late lane keeps its own moment, and the next lane goes on its moment, 1.1 s, not a moment later (as
        // when the limiter queued permits one interval after the last): no lane waits behind another's late turn.
        Assert.True(lateGranted);
        Assert.True(onTimeGranted);
    }

    [Fact]
    public void WaitTurnAsync_ALaneWokenTooLateForItsMomentsAgainAndAgain_QueuesForTheNextFreeMomentAndGoesOn()
    {
        // Arrange: one lane at 10 a second; each time its timer fires, the clock has run 255 ms on (a starved core).
        using var credential = new AdaptiveRateLimiter(10, burst: 1, _time);
        _time.Advance(TimeSpan.FromMilliseconds(950));
        var pacer = new SharePacer(credential, share: 1, _time, lane: 0);
        var turn = pacer.WaitTurnAsync(CancellationToken.None);

        // Act: three moments lost (each woken 155 ms or more after it), then the lane queues for the next free moment.
        var jumps = 0;
        while (!turn.IsCompleted && jumps < 10)
        {
            _time.Advance(TimeSpan.FromMilliseconds(255));
            jumps++;
        }

        // Assert: it went on after its third lost moment, not never.
        Assert.True(turn.IsCompleted);
        Assert.Equal(3, jumps);
    }

    [Fact]
    public void WaitTurnAsync_ALaneStartingLate_TakesItsNextMomentStillAhead()
    {
        // Arrange: lane 1 of 4 at 10 a second owns 100, 500, 900 ms; the send starts at 550 ms.
        using var credential = new AdaptiveRateLimiter(10, burst: 2, _time);
        _time.Advance(TimeSpan.FromMilliseconds(550));
        var pacer = new SharePacer(credential, share: 0.25, _time, lane: 1);

        // Act
        var first = pacer.WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(349));
        var early = first.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert
        Assert.False(early);
        Assert.True(first.IsCompleted);
    }

    [Fact]
    public void CompleteAsync_HoldsNothingYetTheLanesNextSendWaitsForTheLanesNextMoment()
    {
        // Arrange: lane 0 of 2 at 10 a second; one send's request goes at 0 ms.
        using var credential = new AdaptiveRateLimiter(10, burst: 2, _time);
        var first = new SharePacer(credential, share: 0.5, _time, lane: 0);
        Assert.True(first.WaitTurnAsync(CancellationToken.None).IsCompleted);

        // Act: the send ends, and the lane's next batch starts 10 ms later.
        var complete = first.CompleteAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        var next = new SharePacer(credential, share: 0.5, _time, lane: 0).WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(189));
        var nextEarly = next.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert
        Assert.True(complete.IsCompleted);
        Assert.False(nextEarly);
        Assert.True(next.IsCompleted);
    }

    [Fact]
    public void WaitTurnAsync_AfterTheCredentialIsCut_SpacesALanesRequestsAtItsPeriodAtTheCurrentRate()
    {
        // Arrange: half of 10 a second is one request every 200 ms; once the credential is cut to 5, every 400 ms.
        using var credential = new AdaptiveRateLimiter(10, burst: 2, _time);
        var pacer = new SharePacer(credential, share: 0.5, _time);
        Assert.True(pacer.WaitTurnAsync(CancellationToken.None).IsCompleted);
        var second = pacer.WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(second.IsCompleted);

        // Act: at 5 a second lane 0 owns 0, 400, 800 ms; 400 ms is less than a period (400 ms) after the request at 200 ms.
        credential.OnThrottled(credential.Epoch);
        var third = pacer.WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(599));
        var thirdEarly = third.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert: released at 800 ms.
        Assert.False(thirdEarly);
        Assert.True(third.IsCompleted);
    }

    [Theory]
    [InlineData(4, 10.0, 1)]
    [InlineData(8, 49.5, 2)]
    [InlineData(8, 68.75, 3)]
    public void WaitTurnAsync_LanesOfSendsStartingAtRandomTimes_NeverReleaseTwoRequestsCloserThanOneIntervalOfTheRate(int lanes, double rate, int seed)
    {
        // Arrange: each lane runs sends of 1-5 requests one after another, the next starting 0-300 ms after the last request
        // of the one before (the engine's round trip), for 10 s.
        using var credential = new AdaptiveRateLimiter(rate, burst: 2, _time);
        var random = new Random(seed);
        var released = new List<double>();
        var pending = new List<(int Lane, SharePacer Pacer, int Left, Task Turn)>();
        var startAt = Enumerable.Range(0, lanes).Select(_ => random.NextDouble() * 0.3).ToArray();
        var origin = _time.GetUtcNow();

        // Act: step the clock 1 ms at a time, starting sends when due and noting when each request's turn comes.
        for (var ms = 0; ms < 10_000; ms++)
        {
            var now = (_time.GetUtcNow() - origin).TotalSeconds;
            for (var lane = 0; lane < lanes; lane++)
            {
                if (startAt[lane] <= now && pending.All(p => p.Lane != lane))
                {
                    var pacer = new SharePacer(credential, 1.0 / lanes, _time, lane);
                    pending.Add((lane, pacer, random.Next(1, 6), pacer.WaitTurnAsync(CancellationToken.None)));
                }
            }

            for (var i = pending.Count - 1; i >= 0; i--)
            {
                var (lane, pacer, left, turn) = pending[i];
                if (!turn.IsCompleted)
                {
                    continue;
                }

                released.Add(now);
                pending.RemoveAt(i);
                if (left > 1)
                {
                    pending.Add((lane, pacer, left - 1, pacer.WaitTurnAsync(CancellationToken.None)));
                }
                else
                {
                    startAt[lane] = now + (random.NextDouble() * 0.3);
                }
            }

            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // Assert: with a 1 ms clock step a request is seen up to 1 ms late, never early.
        released.Sort();
        var gaps = released.Zip(released.Skip(1), (a, b) => b - a).ToList();
        Assert.True(released.Count > rate * 10 * 0.3, $"{released.Count} requests in 10 s");
        Assert.True(gaps.Min() >= (1 / rate) - 0.0011, $"two requests {gaps.Min() * 1000:0.0} ms apart at {rate} a second");
    }

    // Takes one turn of each pacer in order, advancing the clock 1 ms at a time until it comes; returns when each came (ms).
    private List<int> Release(params SharePacer[] turns)
    {
        var released = new List<int>();
        var origin = _time.GetUtcNow();
        foreach (var pacer in turns)
        {
            var turn = pacer.WaitTurnAsync(CancellationToken.None);
            while (!turn.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }

            released.Add((int)Math.Round((_time.GetUtcNow() - origin).TotalMilliseconds));
        }

        return released;
    }
}
