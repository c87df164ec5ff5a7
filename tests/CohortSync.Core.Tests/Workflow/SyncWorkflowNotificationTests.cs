using CohortSync.Core.Notifications;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Tests.Workflow;

/// <summary>Where the workflow sends a run's notifications, and that none of them can hold the run up or change its end.</summary>
public sealed class SyncWorkflowNotificationTests
{
    private const string RunId = "orders.20260310T110000.s";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 11, 0, 0, TimeSpan.Zero);
    private static readonly RunInput Notifying = new(RunId, "orders", RunMode.Incremental, Notify: true);

    [Fact]
    public void RunAsync_Notifying_SendsStartedBesidePrepareAndTheEndAfterCommit()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 2 }, RunStatus.CompletedWithRejections);
        var runner = new WorkflowRunner();

        // Act
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, Notifying));
        var inFlightAtStart = context.Calls.Select(c => c.Name).ToList();
        var result = runner.RunToCompletion(task, context);

        // Assert: started and Prepare are in flight together; the end is sent once Commit has decided the status.
        Assert.Equal([WorkflowNames.Notify, WorkflowNames.Prepare], inFlightAtStart);
        Assert.Equal(new RunResult(RunId, RunStatus.CompletedWithRejections), result);
        Assert.Equal(
            [new NotifyRunInput(RunId, NotificationEvents.Started), new NotifyRunInput(RunId, NotificationEvents.CompletedWithRejections)],
            context.InputsOf<NotifyRunInput>(WorkflowNames.Notify));
        Assert.True(IndexOf(context.Log, "done " + WorkflowNames.Commit) < IndexOf(context.Log, $"call {WorkflowNames.Notify} {{\"RunId\":\"{RunId}\",\"Event\":\"completedWithRejections\"}}"));
    }

    [Fact]
    public void RunAsync_StartedNotificationSlow_PrepareSendAndCommitDoNotWaitForIt()
    {
        // Arrange: complete everything but the first Notify call.
        var context = Script(new RunPlan { BatchCount = 3 }, RunStatus.Completed);
        var runner = new WorkflowRunner();
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, Notifying));

        // Act: the started notification is the oldest call in flight; complete every other one first.
        var completed = 0;
        while (!context.Calls.Any(c => c.Name == WorkflowNames.Notify && c.Input is NotifyRunInput { Event: NotificationEvents.Completed }) && completed++ < 20)
        {
            runner.Step(() => context.TryCompleteNewest());
        }

        var result = runner.RunToCompletion(task, context);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.True(
            IndexOf(context.Log, "done " + WorkflowNames.Commit) < IndexOf(context.Log, $"done {WorkflowNames.Notify} {{\"RunId\":\"{RunId}\",\"Event\":\"started\"}}"),
            "Commit waited for the started notification");
    }

    [Fact]
    public void RunAsync_NotifyActivityFails_TheRunEndsAsItWould()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 1 }, RunStatus.PartlyFailed)
            .Fails<NotifyRunInput>(WorkflowNames.Notify, _ => true, "table storage unavailable");

        // Act
        var result = Run(context, Notifying);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.PartlyFailed), result);
        Assert.Equal(2, context.InputsOf<NotifyRunInput>(WorkflowNames.Notify).Count);
        Assert.Empty(context.InputsOf<FailRunInput>(WorkflowNames.Fail));
    }

    [Fact]
    public void RunAsync_Guarded_SendsAwaitingApprovalWhileItWaitsForTheDecision()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 1, Guarded = true }, RunStatus.Completed)
            .WithEvent(WorkflowNames.DecisionEvent, new RunDecision(false, "ops", Now));

        // Act
        var result = Run(context, Notifying);

        // Assert: a rejected run raises no event of its own (a person chose it).
        Assert.Equal(RunStatus.Rejected, result.Status);
        Assert.Equal(
            [NotificationEvents.Started, NotificationEvents.AwaitingApproval],
            context.InputsOf<NotifyRunInput>(WorkflowNames.Notify).Select(n => n.Event));
        Assert.True(IndexOf(context.Log, $"call {WorkflowNames.Notify} {{\"RunId\":\"{RunId}\",\"Event\":\"awaitingApproval\"}}") < IndexOf(context.Log, "wait " + WorkflowNames.DecisionEvent));
    }

    [Fact]
    public void RunAsync_PrepareFails_SendsFailed()
    {
        // Arrange
        var context = Script(new RunPlan(), RunStatus.Completed).Fails<RunInput>(WorkflowNames.Prepare, _ => true, "malformed source");

        // Act
        var result = Run(context, Notifying);

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal([NotificationEvents.Started, NotificationEvents.Failed], context.InputsOf<NotifyRunInput>(WorkflowNames.Notify).Select(n => n.Event));
    }

    [Theory]
    [InlineData(false, RunMode.Incremental)]
    [InlineData(true, RunMode.DryRun)]
    public void RunAsync_NoTargetsOrADryRun_NotifiesNothing(bool notify, RunMode mode)
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 1 }, mode == RunMode.DryRun ? RunStatus.DryRunCompleted : RunStatus.Completed);

        // Act
        Run(context, Notifying with { Notify = notify, Mode = mode });

        // Assert
        Assert.Empty(context.InputsOf<NotifyRunInput>(WorkflowNames.Notify));
    }

    private static RecordingWorkflowContext Script(RunPlan plan, RunStatus ends) =>
        new RecordingWorkflowContext(Now)
            .Returns<RunInput>(WorkflowNames.Prepare, _ => plan)
            .Returns<SendBatchInput>(WorkflowNames.SendBatch, b => new BatchSummary(b.BatchNumber, 10, 1))
            .Returns<CommitRunInput>(WorkflowNames.Commit, c => new RunResult(c.RunId, c.Rejected ? RunStatus.Rejected : ends))
            .Returns<FailRunInput>(WorkflowNames.Fail, f => new RunResult(f.RunId, RunStatus.Failed))
            .Returns<NotifyRunInput>(WorkflowNames.Notify, _ => new NotifyRunResult(1, 1, 0));

    private static RunResult Run(RecordingWorkflowContext context, RunInput input)
    {
        var runner = new WorkflowRunner();
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, input));
        return runner.RunToCompletion(task, context);
    }

    private static int IndexOf(IReadOnlyList<string> log, string prefix) =>
        log.Select((line, i) => (line, i)).First(x => x.line.StartsWith(prefix, StringComparison.Ordinal)).i;
}
