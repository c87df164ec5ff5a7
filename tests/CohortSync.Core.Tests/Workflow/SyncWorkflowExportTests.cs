using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Tests.Workflow;

/// <summary>The export leg of the workflow: request, poll on durable timers with backoff, then Prepare.</summary>
public sealed class SyncWorkflowExportTests
{
    private const string RunId = "orders.20260310T110000.s";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 11, 0, 0, TimeSpan.Zero);
    private static readonly RunInput Input = new(RunId, "orders", RunMode.Incremental, ExportFirst: true);

    [Fact]
    public void RunAsync_ExportNeedsPolling_WaitsOnTimersThatDoubleThenPrepares()
    {
        // Arrange: requested, then two polls still running, then ready.
        var polls = 0;
        var context = Script(new ExportTicket(ExportState.Requested, "c1", "r1", Deadline: Now.AddHours(1), FirstPollDelay: TimeSpan.FromSeconds(2)))
            .Returns<RunInput>(WorkflowNames.PollExport, _ => ++polls < 3
                ? new ExportTicket(ExportState.Requested, "c1", "r1", Deadline: Now.AddHours(1))
                : new ExportTicket(ExportState.Ready, "c1", "r1"));

        // Act
        var result = Run(context);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(
            [WorkflowNames.StartExport, WorkflowNames.PollExport, WorkflowNames.PollExport, WorkflowNames.PollExport, WorkflowNames.Prepare, WorkflowNames.SendBatch, WorkflowNames.Commit],
            context.Calls.Select(c => c.Name));
        var timers = context.Log.Where(l => l.StartsWith("timer ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["timer 2026-03-10T11:00:02.0000000+00:00", "timer 2026-03-10T11:00:04.0000000+00:00", "timer 2026-03-10T11:00:08.0000000+00:00"], timers);
    }

    [Fact]
    public void RunAsync_CohortUnchanged_CommitsWithoutPreparingOrSending()
    {
        // Arrange
        var context = Script(new ExportTicket(ExportState.Unchanged, "c1", ComputedAt: Now.AddDays(-1)));

        // Act
        var result = Run(context);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal([WorkflowNames.StartExport, WorkflowNames.Commit], context.Calls.Select(c => c.Name));
    }

    [Fact]
    public void RunAsync_ExportPastItsDeadline_FailsWithAMessageThatSaysWhatToDo()
    {
        // Arrange
        var context = Script(new ExportTicket(ExportState.Requested, "c1", "r1", Deadline: Now));

        // Act
        var result = Run(context);

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal([WorkflowNames.StartExport, WorkflowNames.Fail], context.Calls.Select(c => c.Name));
        var error = context.InputsOf<FailRunInput>(WorkflowNames.Fail).Single().Error;
        Assert.Contains("did not finish by its deadline", error, StringComparison.Ordinal);
        Assert.Contains("exportDeadlineMinutes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_StartExportFails_FailsTheRunWithoutPreparing()
    {
        // Arrange
        var context = Script(ExportTicket.NotNeeded)
            .Fails<RunInput>(WorkflowNames.StartExport, _ => true, "Amplitude cohort 'c1' is archived");

        // Act
        var result = Run(context);

        // Assert
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal([WorkflowNames.StartExport, WorkflowNames.Fail], context.Calls.Select(c => c.Name));
    }

    [Fact]
    public void RunAsync_ExportLeg_IsDeterministic()
    {
        // Arrange
        RecordingWorkflowContext Fresh()
        {
            var polls = 0;
            return Script(new ExportTicket(ExportState.Requested, "c1", "r1", Deadline: Now.AddHours(1)))
                .Returns<RunInput>(WorkflowNames.PollExport, _ => ++polls < 2 ? new ExportTicket(ExportState.Requested, "c1", "r1", Deadline: Now.AddHours(1)) : new ExportTicket(ExportState.Ready, "c1", "r1"));
        }

        var first = Fresh();
        var second = Fresh();

        // Act
        Run(first);
        Run(second);

        // Assert
        Assert.Equal(first.Log, second.Log);
    }

    private static RecordingWorkflowContext Script(ExportTicket started) =>
        new RecordingWorkflowContext(Now)
            .Returns<RunInput>(WorkflowNames.StartExport, _ => started)
            .Returns<RunInput>(WorkflowNames.Prepare, _ => new RunPlan { BatchCount = 1, MaxParallelSends = 1 })
            .Returns<SendBatchInput>(WorkflowNames.SendBatch, b => new BatchSummary(b.BatchNumber, 10, 0))
            .Returns<CommitRunInput>(WorkflowNames.Commit, c => new RunResult(c.RunId, RunStatus.Completed))
            .Returns<FailRunInput>(WorkflowNames.Fail, f => new RunResult(f.RunId, RunStatus.Failed));

    private static RunResult Run(RecordingWorkflowContext context)
    {
        var runner = new WorkflowRunner();
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, Input));
        return runner.RunToCompletion(task, context);
    }
}
