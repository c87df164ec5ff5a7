using System.Text;
using CohortSync.Core.Runs;
using CohortSync.TestHelpers;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.IntegrationTests.Reliability;

/// <summary>
/// A corpus of bad and awkward input through whole runs: each case gets a clear error (the run fails naming line and
/// column, with the baseline untouched) or a reported rejection, and nothing crashes. The HTTP API's bad bodies are in
/// HttpApiTests.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class BadInputTests(AzuriteFixture azurite) : SandboxTestBase("cohortsync-bad-")
{
    public static TheoryData<string, string, string> MalformedFiles => new()
    {
        { "unterminated quote", "cohort.csv", "user_id,email\nuser-1,a@x.io\nuser-2,\"b@x.io\nuser-3,c@x.io\n" },
        { "stray quote", "cohort.csv", "user_id,email\nuser-1,a@x.io\nus\"er-2,b@x.io\n" },
        { "text after a closing quote", "cohort.csv", "user_id,email\nuser-1,a@x.io\n\"user-2\"x,b@x.io\n" },
        { "too many fields", "cohort.csv", "user_id,email\nuser-1,a@x.io\nuser-2,b@x.io,extra\n" },
        { "too few fields", "cohort.csv", "user_id,email\nuser-1,a@x.io\nuser-2\n" },
        { "truncated inside a quoted value", "cohort.csv", "user_id,email\nuser-1,a@x.io\nuser-2,\"b@x" },
        { "empty file, no header", "cohort.csv", string.Empty },
        { "empty column name in the header", "cohort.csv", "user_id,,email\nuser-1,x,a@x.io\n" },
        { "JSONL: invalid JSON", "cohort.jsonl", "{\"user_id\":\"user-1\"}\n{\"user_id\":\"user-2\"\n" },
        { "JSONL: not an object", "cohort.jsonl", "{\"user_id\":\"user-1\"}\n[\"user-2\"]\n" },
        { "JSONL: nested object value", "cohort.jsonl", "{\"user_id\":\"user-1\"}\n{\"user_id\":{\"id\":2}}\n" },
        { "JSONL: two values on a line", "cohort.jsonl", "{\"user_id\":\"user-1\"}\n{\"user_id\":\"user-2\"} {\"user_id\":\"user-3\"}\n" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task Run_MalformedFile_FailsWithLineAndColumnAndKeepsTheBaseline(string name, string fileName, string content)
    {
        // Arrange: a baseline of 20 members first.
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, fileName);
        var baseline = Path.Combine(Dir, "baseline.csv");
        EngineHarness.WriteCohort(baseline, Enumerable.Range(0, 20));
        await host.CreateWebhookSyncAsync("s1", baseline);
        await host.RunAsync("s1");
        await UseSourceAsync(host, cohort);
        File.WriteAllText(cohort, content);
        var requests = Sandbox.Webhook.Requests;

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.True(run.Status == RunStatus.Failed, $"{name}: {run.Status}");
        Assert.Matches(@"line \d+, column \d+", run.Error);
        Assert.Equal(requests, Sandbox.Webhook.Requests);
        Assert.Equal(20, (await host.Baselines.LoadAsync("s1")).Count);
    }

    public static TheoryData<string, string> AwkwardIds => new()
    {
        { "double quote", "us\"er" },
        { "slash", "team/alice" },
        { "backslash", "team\\alice" },
        { "hash", "user#7" },
        { "question mark", "who?" },
        { "percent", "100%-user" },
        { "colon", "urn:user:7" },
        { "comma inside quotes", "last, first" },
        { "control character", "bell\u0007user" },
        { "emoji", "user-\U0001F600" },
        { "right-to-left", "\u05DE\u05E9\u05EA\u05DE\u05E9" },
        { "combining marks", "e\u0301le\u0300ve" },
        { "leading and trailing spaces (trimmed)", "  padded  " },
    };

    [Theory]
    [MemberData(nameof(AwkwardIds))]
    public async Task Run_IdentifierWithAwkwardCharacters_IsDeliveredExactlyOnce(string name, string id)
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        var quoted = "\"" + id.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        File.WriteAllText(cohort, $"user_id,email\nuser-1,a@x.io\n{quoted},b@x.io\n", new UTF8Encoding(false));
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.True(run.Status == RunStatus.Completed, $"{name}: {run.Status} {run.Error}");
        Assert.Equal(2, run.Outcome!.Accepted);
        Assert.Contains("userId:" + id.Trim(), Sandbox.Webhook.Members("s1"));
    }

    [Fact]
    public async Task Run_TenMegabyteLine_IsRefusedWithAReasonAndTheOthersSync()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        File.WriteAllText(cohort, "user_id,email\nuser-1,a@x.io\n" + new string('x', 10 * 1024 * 1024) + ",b@x.io\nuser-3,c@x.io\n");
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1, run.Plan!.Invalid);
        Assert.Contains(run.Plan.SkipReasons.Keys, k => k.Contains("longer than 64 KiB", StringComparison.Ordinal));
        Assert.Equal(2, Sandbox.Webhook.Members("s1").Count);
    }

    [Fact]
    public async Task Run_DuplicateMembers_AreCountedAndSentOnce()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 50).Concat(Enumerable.Range(0, 50)));
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal((50, 50), (run.Plan!.Duplicates, run.Plan.Adds));
        Assert.All(Sandbox.Webhook.Deliveries.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Run_EmptyCohort_CompletesWithNothingSent()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        File.WriteAllText(cohort, "user_id,email\n");
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal((0, 0), (run.Plan!.Members, run.Plan.BatchCount));
        Assert.Equal(0, Sandbox.Webhook.Requests);
    }

    [Fact]
    public async Task Run_CohortThatEmptiesAtOnce_IsHeldByTheGuardrail()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(cohort, Enumerable.Range(0, 1500));
        await host.CreateWebhookSyncAsync("s1", cohort);
        await host.RunAsync("s1");
        File.WriteAllText(cohort, "user_id,email\n");
        var requests = Sandbox.Webhook.Requests;

        // Act
        var start = await host.Runs.StartAsync("s1", RunMode.Incremental);
        var held = await host.WaitForStatusAsync(start.Run.RunId, RunStatus.AwaitingApproval);

        // Assert
        Assert.Equal(1500, held.Plan!.Removes);
        Assert.Equal(requests, Sandbox.Webhook.Requests);
        Assert.Equal(1500, Sandbox.Webhook.Members("s1").Count);
    }

    [Fact]
    public async Task Run_MembersWithoutAnyIdentifier_AreCountedUnmatchedWithTheReason()
    {
        // Arrange
        await using var host = await Harness();
        var cohort = Path.Combine(Dir, "cohort.csv");
        File.WriteAllText(cohort, "user_id,email\nuser-1,a@x.io\n,b@x.io\n\t,c@x.io\n\"\",d@x.io\n");
        await host.CreateWebhookSyncAsync("s1", cohort);

        // Act
        var run = await host.RunAsync("s1");

        // Assert
        Assert.Equal(3, run.Plan!.Unmatched);
        Assert.Equal(3, run.Plan.SkipReasons["no value for user_id"]);
        Assert.Single(Sandbox.Webhook.Members("s1"));
    }

    private Task<EngineHarness> Harness() => EngineHarness.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), Sandbox);

    private static async Task UseSourceAsync(EngineHarness host, string path)
    {
        var sync = (await host.Store.GetSyncAsync("s1"))!;
        await host.Store.SaveSyncAsync(sync.Value with { Source = sync.Value.Source with { Location = path } }, sync.ETag);
    }
}
