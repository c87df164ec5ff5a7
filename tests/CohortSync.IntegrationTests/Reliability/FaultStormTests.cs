using CohortSync.Sandbox;
using CohortSync.TestHelpers;
using CohortSync.Trials;
using Xunit.Abstractions;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>
/// The fast fault storms (docs/reliability.md): every destination's sandbox answers 30% of requests 429, 10% 503, times out
/// 2.5% and drops 2.5%. Every member arrives, the sandbox's limiter counts no violation, and the requests stay within 1.5
/// times what the faults force: 1.5 x fault-free / (1 - 0.45).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class FaultStormTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private SandboxHost _sandbox = null!;

    public async Task InitializeAsync() => _sandbox = await SandboxHost.StartAsync();

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [Fact]
    public async Task Storms_OnEveryDestination_DeliverEveryMemberWithinTheRequestBoundAndNoViolation()
    {
        // Arrange
        var options = new StormOptions(Members: 2000, Seed: 11, ProductboardMembers: 60, ClientTimeout: TimeSpan.FromSeconds(2));

        // Act
        var results = await FaultStorms.RunAsync(azurite.ConnectionString, _sandbox, options, new TrialLog(output.WriteLine));

        // Assert
        Assert.Equal(["webhook", "braze", "iterable", "pushwoosh", "productboard"], results.Select(r => r.Destination));
        Assert.All(results, r => Assert.Empty(r.Problems));
        Assert.All(results, r => Assert.Equal((0, 0), (r.Lost, r.Violations)));
        Assert.All(results, r => Assert.InRange(r.StormRequests, r.FaultFreeRequests, r.Bound));
        Assert.True(results.Sum(r => r.Injected.Values.Sum()) > 0);
    }
}
