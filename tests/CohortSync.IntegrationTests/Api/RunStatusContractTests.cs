using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CohortSync.Api;
using CohortSync.Core.Runs;
using CohortSync.LocalHost.Cli;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Api;

/// <summary>
/// The places a run's status reaches people agree: the API writes the names the OpenAPI document's enum lists, with what
/// each means; the CLI has an exit code and a title for every status; the README's table gives the same exit codes.
/// </summary>
public sealed class RunStatusContractTests
{
    private static readonly RunStatus[] Statuses = Enum.GetValues<RunStatus>();

    public static TheoryData<RunStatus, RunOutcome?, int, string> Headlines { get; } = new()
    {
        { RunStatus.Pending, null, 0, "Pending: not yet prepared" },
        { RunStatus.Sending, null, 10, "Sending" },
        { RunStatus.AwaitingApproval, null, 10, "Awaiting approval: the removals are over the guardrail; nothing sent until approved" },
        { RunStatus.Completed, new RunOutcome { Accepted = 10 }, 10, "Completed" },
        { RunStatus.CompletedWithRejections, new RunOutcome { Accepted = 988, Rejected = 12 }, 1, "Completed with 12 members rejected" },
        { RunStatus.CompletedWithRejections, new RunOutcome { Accepted = 9, Rejected = 1 }, 1, "Completed with 1 member rejected" },
        { RunStatus.PartlyFailed, new RunOutcome { Accepted = 16_000, Failed = 4_000, FailedBatches = 2 }, 10, "Partly failed: 2 of 10 batches failed; 4,000 changes pending for the next run" },
        { RunStatus.PartlyFailed, new RunOutcome { Accepted = 5, Rejected = 2, Failed = 3, FailedBatches = 1 }, 2, "Partly failed: 1 of 2 batches failed; 3 changes pending for the next run; 2 members rejected" },
        { RunStatus.Failed, new RunOutcome { Failed = 250, FailedBatches = 3 }, 3, "Failed: 3 of 3 batches failed and no change was accepted; 250 changes pending for the next run" },
        { RunStatus.Failed, null, 0, "Failed" },
        { RunStatus.DryRunCompleted, null, 0, "Dry run completed: nothing sent" },
        { RunStatus.Rejected, null, 4, "Rejected at approval: nothing sent" },
    };

    [Fact]
    public void OpenApi_RunStatus_IsAnEnumOfEveryStatusSayingWhatEachMeans()
    {
        // Act
        var schemas = JsonNode.Parse(OpenApiDocument.Json)!["components"]!["schemas"]!;
        var status = schemas["RunStatus"]!;

        // Assert
        Assert.Equal(Enum.GetNames<RunStatus>(), status["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(Statuses.Select(RunStatuses.Describe), status["x-enum-descriptions"]!.AsArray().Select(n => n!.GetValue<string>()));
        var description = status["description"]!.GetValue<string>();
        Assert.All(Statuses, s => Assert.Contains($"- `{s}`: {RunStatuses.Describe(s)}", description, StringComparison.Ordinal));
        Assert.Equal("#/components/schemas/RunStatus", schemas["Run"]!["properties"]!["status"]!["$ref"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/RunStatus", schemas["SyncStatus"]!["properties"]!["lastRunStatus"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void OpenApi_RunRoutes_AnswerWithTheRunSchemas()
    {
        // Act
        var paths = JsonNode.Parse(OpenApiDocument.Json)!["paths"]!;
        string Answer(string path, string method) => paths[path]![method]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.ToJsonString();

        // Assert
        Assert.Contains("#/components/schemas/RunView", Answer("/api/runs/{runId}", "get"), StringComparison.Ordinal);
        Assert.Contains("#/components/schemas/Run\"", Answer("/api/syncs/{id}/runs", "get"), StringComparison.Ordinal);
        Assert.Contains("#/components/schemas/SyncStatus", Answer("/api/syncs/{id}/status", "get"), StringComparison.Ordinal);
    }

    [Fact]
    public void Api_RunViewOfEachStatus_WritesTheNameTheOpenApiEnumLists()
    {
        // Arrange
        var listed = JsonNode.Parse(OpenApiDocument.Json)!["components"]!["schemas"]!["RunStatus"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();

        foreach (var status in Statuses)
        {
            // Act
            var run = new RunRecord { RunId = "s1.20260310T120000.m1", SyncId = "s1", Trigger = "manual", Status = status };
            var json = JsonSerializer.SerializeToElement(new RunView(run, 0, 0), ApiJson.Options);
            var state = JsonSerializer.SerializeToElement(new SyncStatusView("s1", null, run.RunId, status, null, null, null), ApiJson.Options);

            // Assert
            Assert.Contains(json.GetProperty("run").GetProperty("status").GetString()!, listed);
            Assert.Equal(status.ToString(), state.GetProperty("lastRunStatus").GetString());
        }
    }

    [Fact]
    public void Cli_ExitCodes_CoverEveryStatusAndTellTheEndingsApart()
    {
        // Act
        var codes = ExitCodes.ByStatus;

        // Assert: zero for a destination in step; a code of its own for every other ending, none shared with the
        // command's own errors.
        Assert.Equal(Statuses.ToHashSet(), codes.Keys.ToHashSet());
        Assert.Equal((0, 0), (codes[RunStatus.Completed], codes[RunStatus.DryRunCompleted]));
        RunStatus[] endings = [RunStatus.AwaitingApproval, RunStatus.CompletedWithRejections, RunStatus.Rejected, RunStatus.PartlyFailed, RunStatus.Failed];
        var endingCodes = endings.Select(s => codes[s]).ToList();
        Assert.Equal(endings.Length, endingCodes.Distinct().Count());
        Assert.DoesNotContain(endingCodes, c => c is ExitCodes.Success or ExitCodes.CommandFailed or ExitCodes.NoStorage);
        Assert.True(codes[RunStatus.CompletedWithRejections] < codes[RunStatus.PartlyFailed] && codes[RunStatus.PartlyFailed] < codes[RunStatus.Failed], "the worse the ending, the higher its code");
    }

    [Theory]
    [MemberData(nameof(Headlines))]
    public void Cli_Headline_NamesTheStatusInWordsWithItsCounts(RunStatus status, RunOutcome? outcome, int batches, string expected)
    {
        // Arrange
        var run = new RunRecord { RunId = "s1.20260310T120000.m1", SyncId = "s1", Trigger = "manual", Status = status, Outcome = outcome, Plan = new RunPlan { BatchCount = batches } };

        // Act
        var headline = RunReporter.Headline(run);

        // Assert
        Assert.Equal(expected, headline);
    }

    [Fact]
    public void Cli_Headlines_AreTestedForEveryStatus()
    {
        Assert.Equal(Statuses.ToHashSet(), Headlines.Select(row => (RunStatus)row[0]).ToHashSet());
    }

    [Fact]
    public void Readme_RunStatusTable_GivesEveryStatusTheCliExitCode()
    {
        // Arrange: rows of the README's table look like "| `Completed` | meaning | 0 |".
        var readme = File.ReadAllText(Path.Combine(AzuriteFixture.RepositoryRoot(), "README.md"));
        var rows = Regex.Matches(readme, @"^\| `(?<status>\w+)` \|.*\| (?<code>\d+) \|\s*$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups["status"].Value, m => int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture));

        // Assert
        Assert.All(Statuses, s => Assert.True(rows.TryGetValue(s.ToString(), out var code) && code == ExitCodes.ByStatus[s], $"README: {s} should have exit code {ExitCodes.ByStatus[s]}"));
    }
}
