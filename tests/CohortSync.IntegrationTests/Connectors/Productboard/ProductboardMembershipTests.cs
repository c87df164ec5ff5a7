using CohortSync.Core.Application;
using CohortSync.Core.Errors;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Productboard;
using CohortSync.TestHelpers;
using Microsoft.Extensions.DependencyInjection;
using static CohortSync.IntegrationTests.Connectors.Productboard.ProductboardRunKit;

namespace CohortSync.IntegrationTests.Connectors.Productboard;

/// <summary>
/// Membership on the public API's terms, through the real engine and the sandbox: an email change is PATCHed onto the same
/// user; a remove of a user Productboard no longer has is accepted; and, since a user has one company, a second sync on the
/// same workspace is refused when it is defined.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProductboardMembershipTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-pbm-")
{
    private const double Fast = 1000;
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    private ProductboardSandbox Productboard => Sandbox.Get<ProductboardSandbox>();

    [Fact]
    public async Task Run_EmailChangedInTheCohort_IsPatchedOntoTheSameUserAndLands()
    {
        // Arrange
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        WriteCohort(cohort, Enumerable.Range(0, 5));
        await CreateSyncAsync(host, "s1", cohort, requestsPerSecond: Fast);
        await host.RunAsync("s1");
        var before = Productboard.FindByExternalId("user-2")!;
        WriteCohort(cohort, Enumerable.Range(0, 5), i => i == 2 ? "jane.new@example.com" : $"u{i}@example.com");

        // Act
        var changed = await host.RunAsync("s1");
        var again = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 1, 1), (changed.Status, changed.Plan!.Updates, changed.Outcome!.Accepted));
        var after = Productboard.FindByExternalId("user-2")!;
        Assert.Equal((before.Id, "jane.new@example.com", changed.Plan.ContainerId), (after.Id, after.Email, after.CompanyId));
        Assert.Equal((5, 0), (Productboard.UsersCreated, Productboard.Conflicts));
        Assert.Equal((RunStatus.Completed, 0), (again.Status, again.Plan!.Updates));
    }

    [Fact]
    public async Task Definitions_SecondSyncOnTheSameWorkspace_IsRefusedWithAClearErrorAndNothingChanges()
    {
        // Arrange: sync a on destination pb-a; pb-b points at the same workspace (host and token) under another id.
        await using var host = await Harness();
        var definitions = host.Services.GetRequiredService<DefinitionService>();
        var cohort = Path.Combine(Dir, "cohort.csv");
        WriteCohort(cohort, Enumerable.Range(0, 3));
        await definitions.CreateDestinationAsync(Destination(Sandbox, "pb-a"), secret: null);
        await definitions.CreateDestinationAsync(Destination(Sandbox, "pb-b"), secret: null);
        await definitions.CreateSyncAsync(Sync("a", "pb-a", cohort));

        // Act
        var saved = await Assert.ThrowsAsync<ValidationException>(() => definitions.CreateSyncAsync(Sync("b", "pb-b", cohort)));
        var applied = await Assert.ThrowsAsync<ValidationException>(() => definitions.ValidateAllAsync([], [Sync("c", "pb-a", cohort), Sync("d", "pb-a", cohort)]));

        // Assert
        var message = Assert.Single(saved.Errors["destinationId"]);
        Assert.Contains("one company", message, StringComparison.Ordinal);
        Assert.Contains("sync 'a'", message, StringComparison.Ordinal);
        Assert.Contains("sync 'a'", Assert.Single(applied.Errors["syncs[0].destinationId"]), StringComparison.Ordinal);
        Assert.Contains("sync 'c'", Assert.Single(applied.Errors["syncs[1].destinationId"]), StringComparison.Ordinal);
        Assert.Equal(["a"], (await host.Store.ListSyncsAsync()).Select(s => s.Id));
        Assert.Equal(0, Productboard.Requests);
    }

    [Fact]
    public async Task Run_RemoveOfAUserDeletedInProductboard_IsAcceptedWithoutCreatingAnyone()
    {
        // Arrange
        Productboard.RateLimit.PermitsPerSecond = Fast;
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        WriteCohort(cohort, Enumerable.Range(0, 10));
        await ProductboardRunKit.CreateSyncAsync(host, "s1", cohort, requestsPerSecond: Fast);
        await host.RunAsync("s1");
        Productboard.DeleteUser(Productboard.FindByExternalId("user-3")!.Id);
        WriteCohort(cohort, Enumerable.Range(4, 6));

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((4, 4, 0), (run.Plan!.Removes, run.Outcome!.Accepted, run.Outcome.Rejected));
        Assert.Null(Productboard.FindByExternalId("user-3"));
        Assert.Equal((9, 10), (Productboard.UserCount, Productboard.UsersCreated));
        Assert.Equal(ProductboardRunKit.UserIds(Enumerable.Range(4, 6)), Productboard.Members(run.Plan.ContainerId!));
    }

    private Task<EngineHarness> Harness() =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, secrets: new Dictionary<string, string> { [SecretName] = ProductboardSandbox.DefaultToken });
}
