using System.Text.Json;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Tests.Notifications;

public sealed class NotificationMessageTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 10, 11, 5, 0, TimeSpan.Zero);

    private static readonly SyncDefinition Sync = new()
    {
        Id = "trials",
        Name = "Trial users",
        DestinationId = "braze-eu",
        Source = new SourceDefinition("file", "/data/trials.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };

    private static readonly DestinationDefinition Destination = new() { Id = "braze-eu", Name = "Braze", Type = "braze", SecretName = "braze-key" };

    [Fact]
    public void ToJson_CompletedWithRejections_CarriesTheCountsSyncDestinationStatusAndTheMostFrequentReasonsFirst()
    {
        // Arrange
        var run = Run(RunStatus.CompletedWithRejections) with
        {
            Plan = new RunPlan { Members = 2000, Adds = 180, Removes = 120, Updates = 22, Unmatched = 15, BatchCount = 1, SkipReasons = new Dictionary<string, int> { ["no usable identifier"] = 15 } },
            Outcome = new RunOutcome
            {
                Accepted = 315,
                Rejected = 7,
                BaselineAfter = 1985,
                RejectReasons = new Dictionary<string, int> { ["braze: invalid email"] = 4, ["braze: id too long"] = 2, ["a"] = 1 },
                SkippedReasons = new Dictionary<string, int> { ["b"] = 1, ["c"] = 1, ["d"] = 1 },
            },
        };

        // Act
        var message = NotificationMessage.Build(NotificationEvents.CompletedWithRejections, run, Sync, Destination, At);
        using var json = JsonDocument.Parse(message.ToJson());

        // Assert
        var root = json.RootElement;
        Assert.Equal("completedWithRejections", root.GetProperty("event").GetString());
        Assert.Equal("CompletedWithRejections", root.GetProperty("status").GetString());
        Assert.Equal(run.RunId, root.GetProperty("runId").GetString());
        Assert.Equal(("trials", "Trial users", "braze-eu", "braze"), (root.GetProperty("syncId").GetString(), root.GetProperty("syncName").GetString(), root.GetProperty("destinationId").GetString(), root.GetProperty("destinationType").GetString()));
        var counts = root.GetProperty("counts");
        Assert.Equal((2000, 180, 120, 22, 15), (counts.GetProperty("members").GetInt32(), counts.GetProperty("adds").GetInt32(), counts.GetProperty("removes").GetInt32(), counts.GetProperty("updates").GetInt32(), counts.GetProperty("unmatched").GetInt32()));
        Assert.Equal((315, 7, 1985), (counts.GetProperty("accepted").GetInt32(), counts.GetProperty("rejected").GetInt32(), counts.GetProperty("baselineAfter").GetInt32()));
        Assert.Equal(
            ["no usable identifier (15)", "braze: invalid email (4)", "braze: id too long (2)", "a (1)", "b (1)"],
            root.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal($"{run.RunId}/completedWithRejections", message.IdempotencyKey);
    }

    [Fact]
    public void Build_ErrorOrNameWithAnEmail_MasksIt()
    {
        // Arrange: run errors never hold members by design; the message masks anything shaped like an email all the same.
        var run = Run(RunStatus.Failed) with { Error = "prepare failed near 'Ana.Lee+x@example.co.uk' at line 3" };
        var sync = Sync with { Name = "ops@example.com's cohort" };

        // Act
        var message = NotificationMessage.Build(NotificationEvents.Failed, run, sync, Destination, At);
        var everything = System.Text.Encoding.UTF8.GetString(message.ToJson()) + message.ToText();

        // Assert
        Assert.DoesNotContain("@", everything, StringComparison.Ordinal);
        Assert.Contains("prepare failed near '[email]' at line 3", message.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_LongError_IsShortened()
    {
        // Act
        var message = NotificationMessage.Build(NotificationEvents.Failed, Run(RunStatus.Failed) with { Error = new string('x', 5000) }, Sync, Destination, At);

        // Assert
        Assert.Equal(NotificationMessage.MaxErrorLength + 3, message.Error!.Length);
    }

    [Fact]
    public void ToChatJson_Failed_IsATextMessageSayingWhatHappenedWithTheError()
    {
        // Arrange
        var run = Run(RunStatus.Failed) with { Error = "the export did not finish by its deadline" };

        // Act
        var message = NotificationMessage.Build(NotificationEvents.Failed, run, Sync, Destination, At);
        using var json = JsonDocument.Parse(message.ToChatJson());

        // Assert
        var text = Assert.Single(json.RootElement.EnumerateObject(), p => p.Name == "text").Value.GetString()!;
        Assert.StartsWith("CohortSync: sync 'Trial users' (trials) to braze-eu (braze): failed. Run trials.20260310T110000.s (schedule, Incremental).", text, StringComparison.Ordinal);
        Assert.Contains("Error: the export did not finish by its deadline", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SyncDeleted_StillNamesTheRunAndSync()
    {
        // Act
        var message = NotificationMessage.Build(NotificationEvents.Started, Run(RunStatus.Pending), sync: null, destination: null, At);

        // Assert
        Assert.Equal(("trials", null, null), (message.SyncId, message.SyncName, message.DestinationId));
        Assert.StartsWith("CohortSync: sync 'trials': run started.", message.ToText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RunStatus.Completed, NotificationEvents.Completed)]
    [InlineData(RunStatus.CompletedWithRejections, NotificationEvents.CompletedWithRejections)]
    [InlineData(RunStatus.PartlyFailed, NotificationEvents.PartlyFailed)]
    [InlineData(RunStatus.Failed, NotificationEvents.Failed)]
    [InlineData(RunStatus.AwaitingApproval, NotificationEvents.AwaitingApproval)]
    [InlineData(RunStatus.DryRunCompleted, null)]
    [InlineData(RunStatus.Rejected, null)]
    [InlineData(RunStatus.Sending, null)]
    public void ForStatus_EachStatus_IsItsEvent(RunStatus status, string? expected) =>
        Assert.Equal(expected, NotificationEvents.ForStatus(status));

    private static RunRecord Run(RunStatus status) => new()
    {
        RunId = "trials.20260310T110000.s",
        SyncId = "trials",
        Trigger = "schedule",
        Status = status,
    };
}
