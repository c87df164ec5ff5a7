using System.Globalization;
using CohortSync.Connectors.Braze;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Braze;
using CohortSync.TestHelpers;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.IntegrationTests.Connectors.Braze;

/// <summary>
/// Whole runs through the engine on Azurite in the <c>/users/track</c> attribute modes, the connector talking real HTTP to
/// the Braze sandbox (Bearer REST key, 75 objects a request, array operations, <c>_update_existing_only</c>, its limit).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BrazeAttributeModeTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-braze-track-")
{
    private const string SyncId = "s1";
    private const string RestKeyName = "braze-rest";
    private const string CohortName = "Cohort " + SyncId;
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();
    private BrazeSandbox _braze = null!;
    private BrazeWorkspace _workspace = null!;

    protected override Task StartedAsync()
    {
        _braze = Sandbox.Get<BrazeSandbox>();
        _workspace = _braze.AddWorkspace("US-03", "dik-1", restApiKey: "rest-1");
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Run_ArrayMode_AddsRemovesAndReadds_TheArrayAttributeEqualsTheCohortEachTime()
    {
        // Arrange: 500 users exist; the cohort also holds 20 ids Braze does not know
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 500));
        var cohort = Cohort(Enumerable.Range(0, 400), Unknown());
        await host.CreateSyncAsync(SyncId, Destination(), cohort, [new IdentifierMapping("user_id", KeyKind.UserId)]);

        // Act
        var added = await host.RunAsync(SyncId);
        var afterAdds = _workspace.ArrayHolders(BrazeSettings.DefaultAttributeName, CohortName);
        EngineHarness.WriteCohort(cohort, Enumerable.Range(100, 300), extraIds: Unknown());
        var removed = await host.RunAsync(SyncId);
        var afterRemovals = _workspace.ArrayHolders(BrazeSettings.DefaultAttributeName, CohortName);
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 50).Concat(Enumerable.Range(100, 300)), extraIds: Unknown());
        var readded = await host.RunAsync(SyncId);

        // Assert
        Assert.All(new[] { added, removed, readded }, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.Equal(CohortName, added.Plan!.ContainerId);
        Assert.Equal(Users(0, 400), afterAdds);
        Assert.Equal(Users(100, 300), afterRemovals);
        Assert.Equal(Users(0, 50).Concat(Users(100, 300)).ToHashSet(), _workspace.ArrayHolders(BrazeSettings.DefaultAttributeName, CohortName));
        Assert.Equal((500, 0, 20), (_workspace.ProfileCount, _workspace.CreatedProfiles, _workspace.IgnoredIdentifiers));
        Assert.Equal(400 + 100 + 50, _workspace.DataPoints);

        // The report counts the writes asked for: the 20 ids Braze does not know are asked for and, being ignored, not billed.
        Assert.Equal((420, 100, 50), (added.Outcome!.DataPoints, removed.Outcome!.DataPoints, readded.Outcome!.DataPoints));
        Assert.Contains(added.Plan.Notes, n => n.Contains("data point", StringComparison.Ordinal));
        Assert.Equal((0, 0, 0), (_braze.ValidationFailures, _braze.AuthFailures, _braze.RateLimitViolations));
    }

    [Fact]
    public async Task Run_BooleanMode_AddsRemovesAndReadds_TheFlagIsTrueExactlyForTheCohort()
    {
        // Arrange
        await using var host = await Harness();
        _workspace.AddIdentifiedUsers(Users(0, 200));
        var cohort = Cohort(Enumerable.Range(0, 150));
        await host.CreateSyncAsync(SyncId, Destination(("mode", "booleanAttribute")), cohort, [new IdentifierMapping("user_id", KeyKind.UserId)]);
        const string flag = BrazeSettings.DefaultAttributePrefix + SyncId;

        // Act
        var added = await host.RunAsync(SyncId);
        var afterAdds = _workspace.FlagHolders(flag);
        EngineHarness.WriteCohort(cohort, Enumerable.Range(40, 110));
        var removed = await host.RunAsync(SyncId);
        var afterRemovals = _workspace.FlagHolders(flag);
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 10).Concat(Enumerable.Range(40, 110)));
        var readded = await host.RunAsync(SyncId);

        // Assert
        Assert.All(new[] { added, removed, readded }, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.Equal(flag, added.Plan!.ContainerId);
        Assert.Equal(Users(0, 150), afterAdds);
        Assert.Equal(Users(40, 110), afterRemovals);
        Assert.Equal(Users(0, 10).Concat(Users(40, 110)).ToHashSet(), _workspace.FlagHolders(flag));
        Assert.Equal(false, _workspace.Attribute("user-20", flag));
        Assert.Equal(0, _workspace.CreatedProfiles);
    }

    [Fact]
    public async Task CreateDestination_PartnerModeWithoutPartnerName_IsRefusedAtDefinitionTime()
    {
        // Arrange
        await using var host = await Harness();
        var definitions = host.Services.GetRequiredService<DefinitionService>();

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => definitions.CreateDestinationAsync(Destination(("mode", "partnerCohort")), secret: null));
        var accepted = await definitions.CreateDestinationAsync(Destination(("mode", "partnerCohort"), ("partnerName", "acme")) with { Id = "braze-partner" }, secret: null);

        // Assert
        Assert.Contains("required in partnerCohort mode", Assert.Single(error.Errors["settings.partnerName"]), StringComparison.Ordinal);
        Assert.Null(await host.Store.GetDestinationAsync("braze-sandbox"));
        Assert.Equal("acme", accepted.Value.Settings["partnerName"]);
    }

    private Task<EngineHarness> Harness() => EngineHarness.StartAsync(
        azurite.ConnectionString, _prefix, Sandbox, secrets: new Dictionary<string, string> { [RestKeyName] = "rest-1" });

    private DestinationDefinition Destination(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["cluster"] = "US-03",
            ["baseUrl"] = new Uri(Sandbox.BaseAddress, "braze/us-03/").ToString(),
            ["requestsPerSecond"] = 400.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new DestinationDefinition { Id = "braze-sandbox", Name = "Braze sandbox", Type = BrazeConnector.TypeName, Settings = settings, SecretName = RestKeyName };
    }

    private string Cohort(IEnumerable<int> ids, IEnumerable<string>? extraIds = null)
    {
        var path = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(path, ids, extraIds: extraIds);
        return path;
    }

    private static string[] Unknown() => [.. Enumerable.Range(0, 20).Select(i => $"stranger-{i}")];

    private static HashSet<string> Users(int start, int count) =>
        Enumerable.Range(start, count).Select(i => $"user-{i}").ToHashSet(StringComparer.Ordinal);
}
