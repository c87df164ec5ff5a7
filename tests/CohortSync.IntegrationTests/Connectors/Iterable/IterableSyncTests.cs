using System.Globalization;
using System.Net;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Iterable;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>Whole runs on Azurite through the Iterable connector, against the Iterable sandbox over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IterableSyncTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string SecretName = "iterable-key";
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();
    private readonly string _dir = Directory.CreateTempSubdirectory("cohortsync-iterable-").FullName;
    private SandboxHost _sandbox = null!;

    private IterableSandbox Iterable => _sandbox.Get<IterableSandbox>();

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        Iterable.ListUpdates.PermitsPerSecond = 100;
    }

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_ThreeRunsOfOneSync_CreateTheListOnceAndReuseIt()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 100));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, cohortName: "Trial users");

        // Act
        var first = await host.RunAsync("s1");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(50, 100));
        var second = await host.RunAsync("s1");
        var third = await host.RunAsync("s1");

        // Assert
        Assert.Equal(1, Iterable.ListsCreated);
        var list = Assert.Single(Iterable.DefaultProject.Lists());
        Assert.Equal(("[Amplitude] Trial users", "Standard"), (list.Name, list.ListType));
        Assert.All(new[] { first, second, third }, r => Assert.Equal(list.Id.ToString(CultureInfo.InvariantCulture), r.Plan!.ContainerId));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(50, 100)), Iterable.DefaultProject.Members(list.Id));
    }

    [Fact]
    public async Task Run_ListWithTheNameAlreadyInIterable_IsAdoptedAndDynamicListsAreLeftAlone()
    {
        // Arrange
        await using var host = await Harness();
        var dynamicId = Iterable.DefaultProject.CreateList("[Amplitude] Trial users", "Dynamic");
        var existing = Iterable.DefaultProject.CreateList("[Amplitude] Trial users");
        var cohort = Cohort(Enumerable.Range(0, 10));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, cohortName: "Trial users");

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(0, Iterable.ListsCreated);
        Assert.Equal(existing.ToString(CultureInfo.InvariantCulture), run.Plan!.ContainerId);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 10)), Iterable.DefaultProject.Members(existing));
        Assert.Empty(Iterable.DefaultProject.Members(dynamicId));
    }

    [Fact]
    public async Task Run_TenThousandAddedThenSomeRemovedAndReAdded_ListEqualsTheCohortEachTime()
    {
        // Arrange
        await using var host = await Harness();
        var all = Enumerable.Range(0, 10_000).ToList();
        var removed = Enumerable.Range(4000, 300).ToHashSet();
        var readded = Enumerable.Range(4000, 120).ToHashSet();
        var cohort = Cohort(all);
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);

        // Act
        var first = await host.RunAsync("s1");
        var listId = ListId(first);
        var afterFirst = Iterable.DefaultProject.Members(listId);
        var subscribesAfterFirst = Iterable.SubscribeRequests;
        var afterRemoval = all.Where(i => !removed.Contains(i)).ToList();
        EngineHarness.WriteCohort(cohort, afterRemoval);
        var second = await host.RunAsync("s1");
        var afterSecond = Iterable.DefaultProject.Members(listId);
        var final = afterRemoval.Concat(readded).ToList();
        EngineHarness.WriteCohort(cohort, final);
        var third = await host.RunAsync("s1");

        // Assert
        Assert.Equal((10_000, 12), (first.Plan!.Adds, subscribesAfterFirst)); // 10 batches of 1,000 evened out to 12 of 834 (three waves of 4 sends)
        Assert.Equal(EngineHarness.Keys(all), afterFirst);
        Assert.Equal((0, 300), (second.Plan!.Adds, second.Plan.Removes));
        Assert.Equal(EngineHarness.Keys(afterRemoval), afterSecond);
        Assert.Equal((120, 0), (third.Plan!.Adds, third.Plan.Removes));
        Assert.Equal(EngineHarness.Keys(final), Iterable.DefaultProject.Members(listId));
        Assert.All(new[] { first, second, third }, r => Assert.Equal((RunStatus.Completed, 0, 0), (r.Status, r.Outcome!.Rejected, r.Outcome.Failed)));
        Assert.Equal(final.Count, third.Outcome!.BaselineAfter);
        Assert.Equal(1, Iterable.UnsubscribeRequests);
        Assert.Equal(0, Iterable.ChannelUnsubscribes);
        var subscribes = Iterable.DefaultProject.Subscribes(listId);
        Assert.All(final, i => Assert.Equal(readded.Contains(i) ? 2 : 1, subscribes["userId:user-" + i]));
    }

    [Fact]
    public async Task Run_InvalidUserIds_AreCountedWithReasonsAndNeverSent()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(_dir, "cohort.csv");
        var bad = new[] { new string('x', 53), "café-1", "tab\tinside" };
        EngineHarness.WriteCsv(cohort, ["user_id"], Enumerable.Range(0, 200).Select(i => "user-" + i).Concat(bad).Select(id => new[] { id }));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3, run.Plan!.Invalid);
        Assert.Equal(1, run.Plan.SkipReasons[IterableIdentifierRules.LongUserId]);
        Assert.Equal(2, run.Plan.SkipReasons[IterableIdentifierRules.NonPrintableUserId]);
        Assert.Equal(200, run.Outcome!.BaselineAfter);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 200)), Iterable.DefaultProject.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_EmailsIterableRefuses_AreRejectedWithTheReasonAfterTheSend()
    {
        // Arrange: an email-based project; three addresses pass the connector's check but end in a TLD Iterable does not know.
        var project = Iterable.AddProject("emails", "email-project-key", projectType: IterableProjectType.EmailBased);
        await using var host = await Harness(key: project.ApiKey);
        var cohort = Path.Combine(_dir, "cohort.csv");
        var good = Enumerable.Range(0, 50).Select(i => $"person{i}@example.com").ToList();
        var unknownTld = Enumerable.Range(0, 3).Select(i => $"person{i}@example.notarealtld").ToList();
        var malformed = new[] { "no-at-sign", "two@@example.com" };
        EngineHarness.WriteCsv(cohort, ["email"], good.Concat(unknownTld).Concat(malformed).Select(e => new[] { e }));
        await host.CreateSyncAsync("s1", Destination(), cohort, [new IdentifierMapping("email", KeyKind.Email)]);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((2, 2), (run.Plan!.Invalid, run.Plan.SkipReasons[IterableIdentifierRules.InvalidEmail]));
        Assert.Equal((3, 3), (run.Outcome!.Rejected, run.Outcome.RejectReasons[IterableResponseMapper.InvalidEmail]));
        Assert.Equal(50, run.Outcome.BaselineAfter);
        Assert.Equal(good.Select(e => "email:" + e).ToHashSet(), project.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_UpdateExistingUsersOnly_UnknownUsersRejectedAsNotFoundThenSentOnceTheyExist()
    {
        // Arrange
        foreach (var i in Enumerable.Range(0, 80))
        {
            Iterable.DefaultProject.AddUser("user-" + i);
        }

        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 100));
        await host.CreateSyncAsync("s1", Destination(("updateExistingUsersOnly", "true")), cohort, ByUserId);

        // Act
        var first = await host.RunAsync("s1");
        foreach (var i in Enumerable.Range(80, 20))
        {
            Iterable.DefaultProject.AddUser("user-" + i);
        }

        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal((20, 20), (first.Outcome!.Rejected, first.Outcome.RejectReasons[IterableResponseMapper.NotFound]));
        Assert.Equal(80, first.Outcome.BaselineAfter);
        Assert.Contains(first.Plan!.Notes, n => n.Contains("updateExistingUsersOnly", StringComparison.Ordinal));
        Assert.Equal((20, 0), (second.Plan!.Adds, second.Outcome!.Rejected));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 100)), Iterable.DefaultProject.Members(ListId(second)));
        Assert.Equal(100, Iterable.DefaultProject.UserCount);
    }

    [Fact]
    public async Task Run_RemovedUserDeletedFromIterable_CountsAsRemoved()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 100));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);
        var first = await host.RunAsync("s1");
        Assert.True(Iterable.DefaultProject.DeleteUser("user-5"));
        var remaining = Enumerable.Range(0, 100).Where(i => i is not (5 or 6)).ToList();
        EngineHarness.WriteCohort(cohort, remaining);

        // Act
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal(2, second.Plan!.Removes);
        Assert.Equal((0, 98), (second.Outcome!.Rejected, second.Outcome.BaselineAfter));
        Assert.Equal(EngineHarness.Keys(remaining), Iterable.DefaultProject.Members(ListId(first)));
    }

    [Fact]
    public async Task Run_UserIdsIntoAnEmailBasedProject_NeedPreferUserIdToBeCreated()
    {
        // Arrange
        var project = Iterable.AddProject("emails", "email-project-key", projectType: IterableProjectType.EmailBased);
        await using var host = await Harness(key: project.ApiKey);
        var cohort = Cohort(Enumerable.Range(0, 20));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, cohortName: "Placeholders");
        await host.CreateSyncAsync("s2", Destination(("preferUserId", "false")) with { Id = "iterable-strict" }, cohort, ByUserId, cohortName: "Strict");

        // Act: the strict sync first, while the project knows none of these users.
        var strict = await host.RunAsync("s2");
        var preferred = await host.RunAsync("s1");

        // Assert
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 20)), project.Members(ListId(preferred)));
        Assert.EndsWith("@placeholder.email", project.EmailOf("user-3"), StringComparison.Ordinal);
        Assert.Equal(0, preferred.Outcome!.Rejected);
        Assert.Equal(20, strict.Outcome!.RejectReasons[IterableResponseMapper.NotFound]);
        Assert.Empty(project.Members(ListId(strict)));
    }

    [Fact]
    public async Task Run_CarriedFields_ReachTheProfileAndAChangedValueIsSentAgain()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCsv(cohort, ["user_id", "plan", "email"], Enumerable.Range(0, 10).Select(i => new[] { "user-" + i, "free", $"u{i}@example.com" }));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, carry: [new CarriedField("plan", "plan"), new CarriedField("email", "email")]);
        await host.RunAsync("s1");
        EngineHarness.WriteCsv(cohort, ["user_id", "plan", "email"], Enumerable.Range(0, 10).Select(i => new[] { "user-" + i, i < 3 ? "pro" : "free", $"u{i}@example.com" }));

        // Act
        var second = await host.RunAsync("s1");

        // Assert
        Assert.Equal(3, second.Plan!.Updates);
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "pro" }, Iterable.DefaultProject.DataFieldsOf("user-1"));
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "free" }, Iterable.DefaultProject.DataFieldsOf("user-7"));
        Assert.Null(Iterable.DefaultProject.EmailOf("user-1"));
    }

    [Fact]
    public async Task Run_AtTheSandboxRateLimit_FinishesWithoutAViolation()
    {
        // Arrange: 80 requests at a limit of 50 a second, eight sends at once, the destination told the same limit. The
        // bucket holds 5 requests (100 ms at this rate), room for scheduling jitter on a busy machine and no more: eight
        // unpaced sends would go several times over it.
        Iterable.ListUpdates.PermitsPerSecond = 50;
        Iterable.ListUpdates.Burst = 5;
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 4000));
        await host.CreateSyncAsync("s1", Destination(("requestsPerSecond", "50")), cohort, ByUserId, batchSize: 50);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 0), (run.Status, run.Outcome!.Failed));
        Assert.Equal(0, Iterable.Violations);
        Assert.Equal(80, Iterable.SubscribeRequests);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 4000)), Iterable.DefaultProject.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_KeyRotatedBehindTheCache_RecoversAfterOne401()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 100));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);
        await host.RunAsync("s1");
        Iterable.DefaultProject.ApiKey = "rotated-iterable-key";
        host.Configuration["Secrets:" + SecretName] = "rotated-iterable-key";
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 150));

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, null), (run.Status, run.Error));
        Assert.Equal(1, Iterable.Unauthorized);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 150)), Iterable.DefaultProject.Members(ListId(run)));
    }

    [Fact]
    public async Task Run_ServerErrorsThrottlingAndDroppedConnections_AreRetriedWithoutLossOrDuplicates()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 3000));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, batchSize: 100);
        Iterable.Faults.RetryAfterSeconds = 1;
        Iterable.Faults.FailNext(1, HttpStatusCode.ServiceUnavailable);
        Iterable.Faults.FailNext(1, HttpStatusCode.InternalServerError);
        Iterable.Faults.FailNext(1, HttpStatusCode.TooManyRequests);
        Iterable.Faults.DropRate = 0.1;
        Iterable.Faults.ServerErrorRate = 0.05;

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, null, 0), (run.Status, run.Error, run.Outcome!.Failed));
        Assert.True(Iterable.Faults.Injected >= 5, $"only {Iterable.Faults.Injected} faults injected");
        var listId = ListId(run);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 3000)), Iterable.DefaultProject.Members(listId));
        Assert.All(Iterable.DefaultProject.Subscribes(listId).Values, n => Assert.Equal(1, n));
        Assert.Equal(3000, run.Outcome.BaselineAfter);
    }

    [Fact]
    public async Task Run_KeyOfTheOtherDataCenter_FailsWithAnAuthErrorUntilPointedAtItsOwn()
    {
        // Arrange
        var eu = Iterable.AddProject("eu", "eu-project-key", IterableDataCenter.EU);
        await using var host = await Harness(key: eu.ApiKey);
        var cohort = Cohort(Enumerable.Range(0, 10));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId);
        await host.CreateSyncAsync("s2", Destination(dataCenter: "eu") with { Id = "iterable-eu" }, cohort, ByUserId);

        // Act
        var wrong = await host.RunAsync("s1");
        var right = await host.RunAsync("s2");

        // Assert
        Assert.Equal(RunStatus.Failed, wrong.Status);
        Assert.Contains("401", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(eu.ApiKey, wrong.Error, StringComparison.Ordinal);
        Assert.Equal(2, Iterable.Unauthorized);
        Assert.Equal(RunStatus.Completed, right.Status);
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 10)), eu.Members(ListId(right)));
        Assert.Empty(Iterable.DefaultProject.Lists());
    }

    [Fact]
    public async Task Run_SendsFailAfterTheFirstRequestLanded_MembersWhoThenLeaveAreRemovedByTheNextCleanRun()
    {
        // Arrange: 3,000 members in batches of one 1,000-subscriber request; the first lands and Iterable refuses every later one.
        await using var host = await Harness();
        var cohort = Cohort(Enumerable.Range(0, 3_000));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, batchSize: 3_000);
        Iterable.Faults.FailAfter("lists/subscribe", 1, HttpStatusCode.BadRequest);

        // Act: the failed run; then 100 members who landed and 100 who did not leave the cohort, and a clean run.
        var failed = await host.RunAsync("s1");
        var landed = Iterable.DefaultProject.Members(ListId(failed));
        Iterable.Faults.Reset();
        var all = EngineHarness.Keys(Enumerable.Range(0, 3_000));
        var leavers = landed.Take(100).Concat(all.Except(landed).Take(100)).ToHashSet();
        var remaining = Enumerable.Range(0, 3_000).Where(i => !leavers.Contains($"userId:user-{i}")).ToList();
        EngineHarness.WriteCohort(cohort, remaining);
        var clean = await host.RunAsync("s1");

        // Assert
        Assert.Equal(1_000, landed.Count);
        Assert.Equal((1_000, 2_000, failed.Plan!.BatchCount - 1), (failed.Outcome!.Accepted, failed.Outcome.Failed, failed.Outcome.FailedBatches));
        Assert.Equal((1_000, 2_000), (failed.Outcome.BaselineAfter, failed.Outcome.UncertainAfter));
        Assert.Equal(EngineHarness.Keys(remaining), Iterable.DefaultProject.Members(ListId(clean)));
        Assert.Equal((2_800, 0, 0), (clean.Outcome!.BaselineAfter, clean.Outcome.UncertainAfter, clean.Outcome.FailedBatches));
    }

    private static IReadOnlyList<IdentifierMapping> ByUserId => [new IdentifierMapping("user_id", KeyKind.UserId)];

    private Task<EngineHarness> Harness(string key = IterableSandbox.DefaultApiKey) =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, _sandbox, secrets: new Dictionary<string, string> { [SecretName] = key });

    private DestinationDefinition Destination(params (string Name, string Value)[] settings) => Destination("us", settings);

    private DestinationDefinition Destination(string dataCenter, params (string Name, string Value)[] settings)
    {
        var all = new Dictionary<string, string>
        {
            ["baseUrl"] = new Uri(_sandbox.BaseAddress, $"iterable/{dataCenter}/").ToString(),
            ["requestsPerSecond"] = "100",
        };
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return new DestinationDefinition { Id = "iterable", Name = "Iterable sandbox", Type = IterableConnector.TypeName, SecretName = SecretName, Settings = all };
    }

    private string Cohort(IEnumerable<int> ids)
    {
        var path = Path.Combine(_dir, "cohort.csv");
        EngineHarness.WriteCohort(path, ids);
        return path;
    }

    private static long ListId(RunRecord run) => long.Parse(run.Plan!.ContainerId!, CultureInfo.InvariantCulture);
}
