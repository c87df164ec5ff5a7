using CohortSync.Sandbox;
using CohortSync.TestHelpers;
using CohortSync.Trials;
using Xunit.Abstractions;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>
/// The fast crash trials (docs/reliability.md): the cohortsync command as a real process, killed with SIGKILL during
/// Prepare, the sends and Commit, restarted, then checked. The long ones (20 x 100,000) run from the trials command.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CrashTrialTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private SandboxHost _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task CrashTrials_KilledInPrepareSendsAndCommitThenRestarted_LoseNothingAndResendOnlyWhatWasInFlight()
    {
        // Arrange: webhook killed in Prepare, Braze killed at a random request of the sends, webhook killed after the last send.
        var options = new CrashOptions(Trials: 3, Members: 8000, Seed: 11);

        // Act
        var results = await CrashTrials.RunAsync(azurite.ConnectionString, _sandbox, options, new TrialLog(output.WriteLine));

        // Assert
        Assert.Equal([KillPhase.Prepare, KillPhase.Send, KillPhase.Commit], results.Select(r => r.Aimed));
        Assert.All(results, r => Assert.Empty(r.Problems));
        Assert.All(results, r => Assert.Equal((0, 0), (r.Lost, r.BeyondInFlight)));
        Assert.All(results, r => Assert.InRange(r.ResentInFlight, 0, r.Bound));
        Assert.Equal(3 * 2 * 8000, results.Sum(r => r.MembersChecked));
        Assert.Contains(results, r => r.Observed == "send");
        Assert.Contains(results, r => r.ObservedIncremental is "send" or "commit" or "prepare");
    }
}
