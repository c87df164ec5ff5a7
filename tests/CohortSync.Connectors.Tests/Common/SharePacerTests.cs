using CohortSync.Connectors.Common;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Connectors.Tests.Common;

public sealed class SharePacerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void WaitTurnAsync_AfterTheCredentialIsCut_SpacesRequestsAtItsShareOfTheCurrentRate()
    {
        // Arrange: half of 10 a second is one request every 200 ms; once the credential is cut to 5, every 400 ms.
        using var credential = new AdaptiveRateLimiter(10, burst: 2, _time);
        var pacer = new SharePacer(credential, share: 0.5, _time);
        Assert.True(pacer.WaitTurnAsync(CancellationToken.None).IsCompleted);
        var second = pacer.WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.True(second.IsCompleted);

        // Act
        credential.OnThrottled(credential.Epoch);
        var third = pacer.WaitTurnAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(399));
        var thirdEarly = third.IsCompleted;
        _time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert
        Assert.False(thirdEarly);
        Assert.True(third.IsCompleted);
    }

    [Fact]
    public void CompleteAsync_HoldsTheActivityForItsShareAtTheCurrentRate()
    {
        // Arrange: a quarter of a credential seeded at 2 x 1.1 = 2.2 a second: one request's share is 1 / 0.55 s.
        using var credential = new AdaptiveRateLimiter(50, burst: 2, _time);
        credential.Seed(2);
        var pacer = new SharePacer(credential, share: 0.25, _time);
        Assert.True(pacer.WaitTurnAsync(CancellationToken.None).IsCompleted);

        // Act
        var complete = pacer.CompleteAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1.8));
        var early = complete.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(0.02));

        // Assert
        Assert.False(early);
        Assert.True(complete.IsCompleted);
    }
}
