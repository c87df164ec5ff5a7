using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Tests.Workflow;

public sealed class SyncWorkflowTests
{
    private const string RunId = "orders.20260310T110000.s";
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 11, 0, 0, TimeSpan.Zero);
    private static readonly RunInput Incremental = new(RunId, "orders", RunMode.Incremental);

    [Theory]
    [InlineData(1, 4)]
    [InlineData(7, 3)]
    [InlineData(12, 4)]
    [InlineData(3, 8)]
    public void RunAsync_HappyPath_PreparesSendsEveryBatchOnceThenCommits(int batches, int parallel)
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = batches, MaxParallelSends = parallel });

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.Completed), result);
        Assert.Equal(
            [WorkflowNames.Prepare, .. Enumerable.Repeat(WorkflowNames.SendBatch, batches), WorkflowNames.Commit],
            context.Calls.Select(c => c.Name));
        Assert.Equal(Incremental, context.InputsOf<RunInput>(WorkflowNames.Prepare).Single());
        Assert.Equal(
            Enumerable.Range(0, batches).Select(n => new SendBatchInput(RunId, n, Math.Min(parallel, batches))),
            context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch));
        Assert.Equal(new CommitRunInput(RunId), context.InputsOf<CommitRunInput>(WorkflowNames.Commit).Single());
        Assert.Empty(context.InputsOf<FailRunInput>(WorkflowNames.Fail));
    }

    [Fact]
    public void RunAsync_HappyPath_CommitsOnlyAfterEveryBatchHasCompleted()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 9, MaxParallelSends = 3 }, completionSeed: 4);

        // Act
        Run(context, Incremental);

        // Assert
        var commit = IndexOf(context.Log, "call " + WorkflowNames.Commit);
        var lastSend = LastIndexOf(context.Log, "done " + WorkflowNames.SendBatch);
        Assert.Equal(9, context.Log.Count(l => l.StartsWith("done " + WorkflowNames.SendBatch, StringComparison.Ordinal)));
        Assert.True(lastSend < commit, "Commit was called before every batch had completed");
        Assert.True(IndexOf(context.Log, "done " + WorkflowNames.Prepare) < IndexOf(context.Log, "call " + WorkflowNames.SendBatch));
    }

    [Theory]
    [InlineData(10, 1, null)]
    [InlineData(10, 3, null)]
    [InlineData(10, 3, 17)]
    [InlineData(25, 4, 99)]
    [InlineData(2, 4, null)]
    [InlineData(6, 0, null)]
    [InlineData(6, -5, 3)]
    public void RunAsync_ManyBatches_NeverMoreThanMaxParallelSendsInFlight(int batches, int parallel, int? completionSeed)
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = batches, MaxParallelSends = parallel }, completionSeed);
        var limit = Math.Max(1, parallel);

        // Act
        Run(context, Incremental);

        // Assert: the limit is reached (sends do fan out) and never passed.
        Assert.Equal(Math.Min(limit, batches), context.MaxInFlight(WorkflowNames.SendBatch));
        Assert.Equal(batches, context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch).Count);
    }

    [Theory]
    [InlineData(10, 3, null)]
    [InlineData(25, 4, 99)]
    [InlineData(40, 8, 7)]
    [InlineData(5, 8, 3)]
    public void RunAsync_ManyBatches_SendsBatchNOnlyAfterBatchNMinusLanesInItsLaneIsDone(int batches, int parallel, int? completionSeed)
    {
        // Arrange: SendBatchActivity paces batch n on lane n mod lanes, so two batches of a lane must never be in flight together.
        var context = Script(new RunPlan { BatchCount = batches, MaxParallelSends = parallel }, completionSeed);
        var lanes = Math.Min(parallel, batches);

        // Act
        Run(context, Incremental);

        // Assert
        for (var n = 0; n < batches; n++)
        {
            var call = IndexOf(context.Log, $"call {WorkflowNames.SendBatch} {{\"RunId\":\"{RunId}\",\"BatchNumber\":{n},");
            if (n >= lanes)
            {
                var before = IndexOf(context.Log, $"done {WorkflowNames.SendBatch} {{\"RunId\":\"{RunId}\",\"BatchNumber\":{n - lanes},");
                Assert.True(before < call, $"batch {n} was sent before batch {n - lanes} of its lane was done");
            }
            else
            {
                Assert.True(call < IndexOf(context.Log, "done " + WorkflowNames.SendBatch), $"batch {n} did not start with the first wave");
            }
        }
    }

    [Fact]
    public void RunAsync_ASendWentOnWithItsLane_TheLaneResumesAfterTheLastBatchItSettled()
    {
        // Arrange: two lanes of ten batches; the send of batch 0 went on through batches 2, 4 and 6 of its lane.
        var context = new RecordingWorkflowContext(Now)
            .Returns<RunInput>(WorkflowNames.Prepare, _ => new RunPlan { BatchCount = 10, MaxParallelSends = 2 })
            .Returns<SendBatchInput>(WorkflowNames.SendBatch, b => new BatchSummary(b.BatchNumber, 10, 0, b.BatchNumber == 0 ? 6 : null))
            .Returns<CommitRunInput>(WorkflowNames.Commit, c => new RunResult(c.RunId, RunStatus.Completed));

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal([0, 1, 3, 5, 7, 8, 9], context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch).Select(b => b.BatchNumber).Order());
        Assert.All(context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch), b => Assert.Equal(2, b.Lanes));
    }

    [Fact]
    public void RunAsync_SomeBatchesFail_OtherBatchesStillSendAndCommitRuns()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 8, MaxParallelSends = 3 })
            .Fails<SendBatchInput>(WorkflowNames.SendBatch, b => b.BatchNumber is 0 or 4 or 7, "destination unavailable");

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.Completed), result);
        Assert.Equal(Enumerable.Range(0, 8), context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch).Select(b => b.BatchNumber));
        Assert.Equal(3, context.Log.Count(l => l.StartsWith("fail " + WorkflowNames.SendBatch, StringComparison.Ordinal)));
        Assert.Equal(new CommitRunInput(RunId), context.InputsOf<CommitRunInput>(WorkflowNames.Commit).Single());
        Assert.Empty(context.InputsOf<FailRunInput>(WorkflowNames.Fail));
    }

    [Fact]
    public void RunAsync_EveryBatchFails_StillCommitsAndNeverFails()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 5, MaxParallelSends = 2 })
            .Fails<SendBatchInput>(WorkflowNames.SendBatch, _ => true, "destination unavailable");

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(5, context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch).Count);
        Assert.Single(context.InputsOf<CommitRunInput>(WorkflowNames.Commit));
        Assert.Empty(context.InputsOf<FailRunInput>(WorkflowNames.Fail));
    }

    [Fact]
    public void RunAsync_PrepareFails_CallsFailRunWithTheMessageAndNothingElse()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 3 })
            .Fails<RunInput>(WorkflowNames.Prepare, _ => true, "Malformed member source at line 3, column 2");
        var expected = new WorkflowActivityException(WorkflowNames.Prepare, typeof(InvalidOperationException).FullName!, "Malformed member source at line 3, column 2");

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.Failed), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Fail], context.Calls.Select(c => c.Name));
        var fail = context.InputsOf<FailRunInput>(WorkflowNames.Fail).Single();
        Assert.Equal(new FailRunInput(RunId, expected.Message), fail);
        Assert.Contains("line 3, column 2", fail.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_DryRun_PreparesThenCommitsWithoutSendingOrWaiting()
    {
        // Arrange: even a plan with batches and a guardrail hold sends nothing in a dry run.
        var context = Script(new RunPlan { BatchCount = 5, Guarded = true })
            .Returns<CommitRunInput>(WorkflowNames.Commit, c => new RunResult(c.RunId, RunStatus.DryRunCompleted));
        var input = Incremental with { Mode = RunMode.DryRun };

        // Act
        var result = Run(context, input);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.DryRunCompleted), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Commit], context.Calls.Select(c => c.Name));
        Assert.Equal(new CommitRunInput(RunId), context.InputsOf<CommitRunInput>(WorkflowNames.Commit).Single());
        Assert.DoesNotContain(context.Log, l => l.StartsWith("wait", StringComparison.Ordinal));
    }

    [Fact]
    public void RunAsync_NoBatches_PreparesThenCommits()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 0 });

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Commit], context.Calls.Select(c => c.Name));
    }

    [Fact]
    public void RunAsync_GuardedPlanApproved_WaitsForTheDecisionThenSends()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 4, MaxParallelSends = 2, Guarded = true });
        var runner = new WorkflowRunner();
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, Incremental));

        // Act
        runner.Step(context.TryCompleteNext);
        var waitingFor = context.WaitingFor.ToList();
        var callsBeforeDecision = context.Calls.Select(c => c.Name).ToList();
        runner.Step(() =>
        {
            context.RaiseEvent(WorkflowNames.DecisionEvent, new RunDecision(true, "ops@example.com", Now));
            return true;
        });
        var result = runner.RunToCompletion(task, context);

        // Assert
        Assert.Equal([WorkflowNames.DecisionEvent], waitingFor);
        Assert.Equal([WorkflowNames.Prepare], callsBeforeDecision);
        Assert.Equal(new RunResult(RunId, RunStatus.Completed), result);
        Assert.Equal(Enumerable.Range(0, 4), context.InputsOf<SendBatchInput>(WorkflowNames.SendBatch).Select(b => b.BatchNumber));
        Assert.Equal(new CommitRunInput(RunId), context.InputsOf<CommitRunInput>(WorkflowNames.Commit).Single());
    }

    [Fact]
    public void RunAsync_GuardedPlanRejected_CommitsAsRejectedAndSendsNothing()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 4, Guarded = true })
            .WithEvent(WorkflowNames.DecisionEvent, new RunDecision(false, "ops@example.com", Now));

        // Act
        var result = Run(context, Incremental);

        // Assert
        Assert.Equal(new RunResult(RunId, RunStatus.Rejected), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Commit], context.Calls.Select(c => c.Name));
        Assert.Equal(new CommitRunInput(RunId, Rejected: true), context.InputsOf<CommitRunInput>(WorkflowNames.Commit).Single());
        Assert.Contains("wait " + WorkflowNames.DecisionEvent, context.Log);
    }

    [Fact]
    public void RunAsync_UnguardedPlan_NeverWaitsForADecision()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 2, Guarded = false });

        // Act
        Run(context, Incremental);

        // Assert
        Assert.DoesNotContain(context.Log, l => l.StartsWith("wait", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RunAsync_SameScriptTwice_IdenticalCallSequences(int? completionSeed)
    {
        // Arrange: a run with fan-out, failures and an approval, replayed against fresh contexts.
        RecordingWorkflowContext Fresh() =>
            Script(new RunPlan { BatchCount = 11, MaxParallelSends = 3, Guarded = true }, completionSeed)
                .Fails<SendBatchInput>(WorkflowNames.SendBatch, b => b.BatchNumber % 4 == 1, "HTTP 503")
                .WithEvent(WorkflowNames.DecisionEvent, new RunDecision(true, "ops@example.com", Now));
        var first = Fresh();
        var second = Fresh();

        // Act
        var firstResult = Run(first, Incremental);
        var secondResult = Run(second, Incremental);

        // Assert
        Assert.Equal(firstResult, secondResult);
        Assert.Equal(first.Calls.Select(c => $"{c.Name} {c.Json}"), second.Calls.Select(c => $"{c.Name} {c.Json}"));
        Assert.Equal(first.Log, second.Log);
        Assert.Equal(11 + 2, first.Calls.Count);
    }

    [Fact]
    public void RunAsync_RecordedInputs_SerialiseWithoutMemberData()
    {
        // Arrange
        var context = Script(new RunPlan { BatchCount = 2, MaxParallelSends = 2 });

        // Act
        Run(context, Incremental);

        // Assert: inputs are references and counts, which is all the engine's history may hold.
        Assert.Equal(
        [
            "{\"RunId\":\"orders.20260310T110000.s\",\"SyncId\":\"orders\",\"Mode\":\"Incremental\",\"ExportFirst\":false}",
            "{\"RunId\":\"orders.20260310T110000.s\",\"BatchNumber\":0,\"Lanes\":2}",
            "{\"RunId\":\"orders.20260310T110000.s\",\"BatchNumber\":1,\"Lanes\":2}",
            "{\"RunId\":\"orders.20260310T110000.s\",\"Rejected\":false}",
        ],
            context.Calls.Select(c => c.Json));
    }

    private static RecordingWorkflowContext Script(RunPlan plan, int? completionSeed = null) =>
        new RecordingWorkflowContext(Now, completionSeed)
            .Returns<RunInput>(WorkflowNames.Prepare, _ => plan)
            .Returns<SendBatchInput>(WorkflowNames.SendBatch, b => new BatchSummary(b.BatchNumber, 10, 1))
            .Returns<CommitRunInput>(WorkflowNames.Commit, c => new RunResult(c.RunId, c.Rejected ? RunStatus.Rejected : RunStatus.Completed))
            .Returns<FailRunInput>(WorkflowNames.Fail, f => new RunResult(f.RunId, RunStatus.Failed));

    private static RunResult Run(RecordingWorkflowContext context, RunInput input)
    {
        var runner = new WorkflowRunner();
        var task = runner.Start(() => SyncWorkflow.RunAsync(context, input));
        return runner.RunToCompletion(task, context);
    }

    private static int IndexOf(IReadOnlyList<string> log, string prefix) =>
        log.Select((line, i) => (line, i)).First(x => x.line.StartsWith(prefix, StringComparison.Ordinal)).i;

    private static int LastIndexOf(IReadOnlyList<string> log, string prefix) =>
        log.Select((line, i) => (line, i)).Last(x => x.line.StartsWith(prefix, StringComparison.Ordinal)).i;
}
