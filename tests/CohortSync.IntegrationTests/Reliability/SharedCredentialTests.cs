using CohortSync.Connectors.Productboard;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Productboard;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>Two syncs on one destination credential, running at once, share its rate limit.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SharedCredentialTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-shared-")
{
    private const string SecretName = "productboard-token";

    [Fact]
    public async Task Runs_TwoSyncsOnOneCredentialAtOnce_StayWithinItsLimitTogether()
    {
        // Arrange: Productboard's documented 50 requests a second per token, one request per member.
        var productboard = Sandbox.Get<ProductboardSandbox>();
        productboard.RateLimit.PermitsPerSecond = ProductboardSandbox.DocumentedRequestsPerSecond;
        await using var host = await EngineHarness.StartAsync(
            azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), Sandbox, secrets: new Dictionary<string, string> { [SecretName] = ProductboardSandbox.DefaultToken });
        await CreateSyncAsync(host, "a", Enumerable.Range(0, 120));
        await CreateSyncAsync(host, "b", Enumerable.Range(1000, 120));

        // Act
        var starts = await Task.WhenAll(host.Runs.StartAsync("a", RunMode.Incremental), host.Runs.StartAsync("b", RunMode.Incremental));
        await Task.WhenAll(starts.Select(s => host.Engine.WaitAsync(s.Run.RunId)));

        // Assert
        foreach (var start in starts)
        {
            var run = (await host.Store.GetRunAsync(start.Run.RunId))!.Value;
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Equal(120, run.Outcome!.Accepted);
        }

        Assert.Equal(0, productboard.LimitViolations);
    }

    private async Task CreateSyncAsync(EngineHarness host, string syncId, IEnumerable<int> members)
    {
        var cohort = Path.Combine(Dir, syncId + ".csv");
        EngineHarness.WriteCohort(cohort, members);
        var destination = new DestinationDefinition
        {
            Id = syncId + "-pb",
            Name = "Productboard " + syncId,
            Type = ProductboardConnector.TypeName,
            Settings = new Dictionary<string, string> { ["baseUrl"] = new Uri(Sandbox.BaseAddress, "productboard/").ToString(), ["requestsPerSecond"] = "50" },
            SecretName = SecretName,
        };
        await host.CreateSyncAsync(syncId, destination, cohort, [new IdentifierMapping("user_id", KeyKind.UserId)]);
    }
}
