using System.Globalization;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Iterable;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>Whole runs through the Iterable connector for who is created and what reaches their profile: typed fields,
/// forgotten users, email-based projects, carried fields.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IterableProfileSyncTests(AzuriteFixture azurite) : IterableSyncTestBase(azurite)
{
    [Fact]
    public async Task Run_ForgottenUser_IsSentOnceSkippedWithTheReasonAndNotSentAgainAndLeavingIsHarmless()
    {
        // Arrange: user-3 was deleted from Iterable by a GDPR request.
        Iterable.DefaultProject.ForgottenUserIds.Add("user-3");
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        WriteCohort(cohort, Enumerable.Range(0, 10));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, carry: [new CarriedField("plan", "plan")]);

        // Act: the first run; a second run of the same cohort; then user-3 leaves the cohort.
        var first = await host.RunAsync("s1");
        var subscribesAfterFirst = Iterable.SubscribeRequests;
        var second = await host.RunAsync("s1");
        var refusalsAfterSecond = Iterable.DefaultProject.ForgottenRefusalsOf("user-3");
        WriteCohort(cohort, Enumerable.Range(0, 10).Where(i => i != 3));
        var third = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 9, 0, 1), (first.Status, first.Outcome!.Accepted, first.Outcome.Rejected, first.Outcome.Skipped));
        Assert.Equal(1, first.Outcome.SkippedReasons[IterableResponseMapper.Forgotten]);
        Assert.Equal(10, first.Outcome.BaselineAfter);
        Assert.Contains(first.Plan!.Notes, n => n.Contains("forgotten (GDPR)", StringComparison.Ordinal));
        var skipped = Assert.Single(Logs.Lines, l => l.Contains("forgotten in Iterable (GDPR)", StringComparison.Ordinal));
        Assert.Contains("Count=1", skipped, StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Lines, l => l.Contains("user-3", StringComparison.Ordinal));
        Assert.Equal((0, subscribesAfterFirst, 1), (second.Plan!.Adds + second.Plan.Updates, Iterable.SubscribeRequests, refusalsAfterSecond));
        Assert.Equal((RunStatus.Completed, 1, 0, 9), (third.Status, third.Plan!.Removes, third.Outcome!.Rejected, third.Outcome.BaselineAfter));
        Assert.Equal(EngineHarness.Keys(Enumerable.Range(0, 10).Where(i => i != 3)), Iterable.DefaultProject.Members(ListId(first)));
    }

    [Fact]
    public async Task Run_TypedProject_NumbersBooleansAndDatesArriveAsTheirTypes()
    {
        // Arrange: a project whose fields were created typed; strings would be refused as invalid data.
        Iterable.DefaultProject.DefineField("seats", "long");
        Iterable.DefaultProject.DefineField("beta", "boolean");
        Iterable.DefaultProject.DefineField("trial_end", "date");
        Iterable.DefaultProject.DefineField("plan", "string");
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCsv(
            cohort,
            ["user_id", "seats", "beta", "trial_end", "plan"],
            Enumerable.Range(0, 20).Select(i => new[] { "user-" + i, (i + 1).ToString(CultureInfo.InvariantCulture), i % 2 == 0 ? "true" : "false", "2025-03-01T12:00:00Z", i.ToString(CultureInfo.InvariantCulture) }));
        await host.CreateSyncAsync("s1", Destination(("fieldTypes", "plan:string")), cohort, ByUserId, carry: [Carry("seats"), Carry("beta"), Carry("trial_end"), Carry("plan")]);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((RunStatus.Completed, 0, 20), (run.Status, run.Outcome!.Rejected, run.Outcome.Accepted));
        Assert.Equal(
            new Dictionary<string, string> { ["seats"] = "5", ["beta"] = "true", ["trial_end"] = "2025-03-01 12:00:00 +00:00", ["plan"] = "4" },
            Iterable.DefaultProject.DataFieldsOf("user-4"));
    }

    [Fact]
    public async Task Run_ValueOfAnotherTypeThanTheField_IsRejectedAsInvalidDataUntilDeclared()
    {
        // Arrange: 'code' was created as a string; the cohort's codes look numeric, so they are inferred as numbers.
        Iterable.DefaultProject.DefineField("code", "string");
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCsv(cohort, ["user_id", "code"], Enumerable.Range(0, 5).Select(i => new[] { "user-" + i, "10" + i }));
        await host.CreateSyncAsync("s1", Destination(), cohort, ByUserId, carry: [Carry("code")]);
        await host.CreateSyncAsync("s2", Destination(("fieldTypes", "code:string")) with { Id = "iterable-declared" }, cohort, ByUserId, carry: [Carry("code")], cohortName: "Declared");

        // Act
        var inferred = await host.RunAsync("s1");
        var declared = await host.RunAsync("s2");

        // Assert
        Assert.Equal((RunStatus.CompletedWithRejections, 5), (inferred.Status, inferred.Outcome!.RejectReasons[IterableResponseMapper.InvalidData]));
        Assert.Empty(Iterable.DefaultProject.Members(ListId(inferred)));
        Assert.Equal((RunStatus.Completed, 0), (declared.Status, declared.Outcome!.Rejected));
        Assert.Equal("103", Iterable.DefaultProject.DataFieldsOf("user-3")["code"]);
        Assert.Equal("string", Iterable.DefaultProject.FieldTypeOf("code"));
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
        var cohort = Path.Combine(Dir, "cohort.csv");
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

    private static CarriedField Carry(string name) => new(name, name);

    private static void WriteCohort(string path, IEnumerable<int> ids) =>
        EngineHarness.WriteCsv(path, ["user_id", "plan"], ids.Select(i => new[] { "user-" + i, i % 2 == 0 ? "pro" : "free" }));
}
