using CohortSync.Core.Sources.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CohortSync.Core.Tests.Sources.Webhooks;

public sealed class CohortWebhookApplierTests
{
    private readonly InMemoryCohortWebhookStore _store = new();
    private readonly CohortWebhookApplier _applier;

    public CohortWebhookApplierTests() =>
        _applier = new CohortWebhookApplier(_store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), NullLogger<CohortWebhookApplier>.Instance);

    [Fact]
    public async Task ApplyPending_EnteredThenExited_LeavesOnlyWhoIsStillIn()
    {
        // Arrange
        await AcceptAsync(WebhookMessages.Stored("a::enter::0", true, 100, "u1", "u2", "u3"));
        await AcceptAsync(WebhookMessages.Stored("b::exit::0", false, 200, "u2"));

        // Act
        await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(["u1", "u3"], await MembersAsync());
        Assert.Equal(0, _store.Pending);
    }

    [Fact]
    public async Task ApplyPending_OldEnterRetriedAfterALaterExitWasApplied_DoesNotResurrectTheMember()
    {
        // Arrange: u1 entered at 100 and left at 200; the exit is applied first, then the entry's retry arrives.
        await AcceptAsync(WebhookMessages.Stored("a::enter::0", true, 100, "u0"));
        await AcceptAsync(WebhookMessages.Stored("b::exit::0", false, 200, "u1"));
        await _applier.ApplyPendingAsync("src", CancellationToken.None);
        await AcceptAsync(WebhookMessages.Stored("c::enter::0", true, 100, "u1"));

        // Act
        await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(["u0"], await MembersAsync());
        Assert.Equal(new CohortMemberState(false, 200), _store.States["u1"]);
    }

    [Fact]
    public async Task ApplyPending_ExitAndOlderEnterInTheSameBatch_ArrivalOrderDoesNotMatter()
    {
        // Arrange: the later computation's exit arrives before the earlier entry, both pending at once.
        await AcceptAsync(WebhookMessages.Stored("b::exit::0", false, 200, "u1"));
        await AcceptAsync(WebhookMessages.Stored("a::enter::0", true, 100, "u1", "u2"));

        // Act
        await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(["u2"], await MembersAsync());
    }

    [Fact]
    public async Task ApplyPending_ReEnteredAtALaterComputation_IsAMemberAgain()
    {
        // Arrange
        await AcceptAsync(WebhookMessages.Stored("a", true, 100, "u1"));
        await AcceptAsync(WebhookMessages.Stored("b", false, 200, "u1"));
        await AcceptAsync(WebhookMessages.Stored("c", true, 300, "u1"));

        // Act
        await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(["u1"], await MembersAsync());
    }

    [Fact]
    public async Task ApplyPending_NothingPending_WritesNothing()
    {
        // Act
        var changed = await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(0, changed);
        Assert.Empty(_store.States);
    }

    [Fact]
    public async Task ApplyPending_SameMessageAppliedTwice_ChangesNothingTheSecondTime()
    {
        // Arrange: the store lost its dedup marker (or the message came under a new id): the same content again.
        await AcceptAsync(WebhookMessages.Stored("a", true, 100, "u1", "u2"));
        await _applier.ApplyPendingAsync("src", CancellationToken.None);
        await AcceptAsync(WebhookMessages.Stored("a-again", true, 100, "u1", "u2"));

        // Act
        var changed = await _applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert
        Assert.Equal(0, changed);
        Assert.Equal(["u1", "u2"], await MembersAsync());
    }

    [Fact]
    public async Task ApplyPending_LeaseHeldByAnother_WaitsUntilItIsFree()
    {
        // Arrange
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var applier = new CohortWebhookApplier(_store, time, NullLogger<CohortWebhookApplier>.Instance);
        Assert.True(await _store.TryLeaseAsync("src", "other", DateTimeOffset.MaxValue, CancellationToken.None));
        await AcceptAsync(WebhookMessages.Stored("a", true, 100, "u1"));

        // Act
        var applying = applier.ApplyPendingAsync("src", CancellationToken.None);

        // Assert: nothing applied while the other holds the lease; applied once it is given back.
        Assert.False(applying.IsCompleted);
        Assert.Empty(_store.States);
        await _store.ReleaseLeaseAsync("src", "other", CancellationToken.None);
        await CohortSync.Testing.Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return applying.IsCompleted;
            },
            TimeSpan.FromSeconds(30),
            "the applier to take the freed lease");
        await applying;
        Assert.Equal(["u1"], await MembersAsync());
    }

    [Theory]
    [InlineData(true, 200, false, 100, true)]
    [InlineData(false, 100, true, 200, false)]
    [InlineData(false, 100, true, 100, true)]
    [InlineData(true, 100, false, 100, false)]
    [InlineData(true, 100, true, 100, false)]
    public void Supersedes_LaterComputationWins_AtEqualTimesExitWins(bool candidateIn, long candidateTime, bool currentIn, long currentTime, bool expected)
    {
        Assert.Equal(expected, CohortMemberState.Supersedes(new(candidateIn, candidateTime), new(currentIn, currentTime)));
    }

    private async Task AcceptAsync(StoredCohortWebhook message) =>
        Assert.True(await _store.AcceptAsync("src", message, CancellationToken.None));

    private async Task<List<string>> MembersAsync()
    {
        var members = new List<string>();
        await foreach (var page in _store.ReadStatesAsync("src", CancellationToken.None))
        {
            members.AddRange(page.Where(e => e.State.InCohort).Select(e => e.UserId));
        }

        return members;
    }
}
