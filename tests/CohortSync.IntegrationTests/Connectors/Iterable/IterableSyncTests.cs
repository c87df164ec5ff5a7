using System.Globalization;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Iterable;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>Whole runs on Azurite through the Iterable connector, against the Iterable sandbox over HTTP: lists and membership.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IterableSyncTests(AzuriteFixture azurite) : IterableSyncTestBase(azurite)
{
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
        Assert.Equal((10_000, 16), (first.Plan!.Adds, subscribesAfterFirst)); // 10 batches of 1,000 evened out to 16 of 625 (two waves of 8 sends)
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
        var cohort = Path.Combine(Dir, "cohort.csv");
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
        var cohort = Path.Combine(Dir, "cohort.csv");
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
}
