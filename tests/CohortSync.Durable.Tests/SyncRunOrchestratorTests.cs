using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using Microsoft.DurableTask.Client;

namespace CohortSync.Durable.Tests;

/// <summary>
/// The real <see cref="SyncRunOrchestrator"/> on the real Durable Task engine, with scripted activities: what the
/// orchestration returns and which activities it called, with what.
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class SyncRunOrchestratorTests
{
    private readonly EngineFixture _engine;

    public SyncRunOrchestratorTests(EngineFixture engine)
    {
        _engine = engine;
    }

    private FakeWorkflow Fakes => _engine.Workflow;

    [Fact]
    public async Task RunAsync_FirstSync_PreparesSendsEveryBatchOnceThenCommits()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId()) { Plan = new RunPlan { Adds = 50, BatchCount = 5, MaxParallelSends = 4 } });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        var calls = Fakes.Calls(script.RunId);
        Assert.Equal(WorkflowNames.Prepare, calls[0].Activity);
        Assert.Equal(WorkflowNames.Commit, calls[^1].Activity);
        Assert.Equal(new CommitRunInput(script.RunId), calls[^1].Input);
        var sends = calls.Skip(1).SkipLast(1).ToList();
        Assert.All(sends, c => Assert.Equal(WorkflowNames.SendBatch, c.Activity));
        Assert.Equal([0, 1, 2, 3, 4], sends.Select(c => ((SendBatchInput)c.Input).BatchNumber).Order());
        Assert.All(sends, c => Assert.Equal(script.RunId, ((SendBatchInput)c.Input).RunId));
        Assert.Empty(Fakes.Calls(script.RunId, WorkflowNames.StartExport));
        Assert.Empty(Fakes.Calls(script.RunId, WorkflowNames.Fail));
    }

    [Fact]
    public async Task RunAsync_DryRun_CommitsWithoutSending()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId(), RunMode.DryRun) { Plan = new RunPlan { Adds = 20, BatchCount = 3 } });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.DryRun));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.DryRunCompleted), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Commit], Fakes.Calls(script.RunId).Select(c => c.Activity));
        Assert.Equal(RunMode.DryRun, ((RunInput)Fakes.Calls(script.RunId, WorkflowNames.Prepare)[0].Input).Mode);
    }

    [Fact]
    public async Task RunAsync_OneParallelSend_NeverSendsTwoBatchesAtOnceAndSendsThemAll()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId())
        {
            Plan = new RunPlan { Adds = 40, BatchCount = 4, MaxParallelSends = 1 },
            SendDuration = TimeSpan.FromMilliseconds(300),
        });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Full));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal(1, script.MaxSendsInFlight);
        Assert.Equal([0, 1, 2, 3], Fakes.Calls(script.RunId, WorkflowNames.SendBatch).Select(c => ((SendBatchInput)c.Input).BatchNumber).Order());
        Assert.Single(Fakes.Calls(script.RunId, WorkflowNames.Commit));
    }

    [Fact]
    public async Task RunAsync_TwoParallelSends_SendsBatchesSideBySide()
    {
        // The control of the test above: the same measure sees overlapping sends when the plan allows them. The in-memory
        // engine runs at most as many activities at once as the machine has cores.
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId())
        {
            Plan = new RunPlan { Adds = 40, BatchCount = 4, MaxParallelSends = 2 },
            SendDuration = TimeSpan.FromMilliseconds(700),
        });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal(Math.Min(2, Environment.ProcessorCount), script.MaxSendsInFlight);
        Assert.Equal([0, 1, 2, 3], Fakes.Calls(script.RunId, WorkflowNames.SendBatch).Select(c => ((SendBatchInput)c.Input).BatchNumber).Order());
    }

    [Fact]
    public async Task RunAsync_ExportRequested_PollsOnDurableTimersUntilReadyThenPrepares()
    {
        // Arrange
        var requested = new ExportTicket(
            ExportState.Requested, CohortId: "c1", RequestId: "r1", Deadline: DateTimeOffset.UtcNow.AddMinutes(10), FirstPollDelay: TimeSpan.FromSeconds(1));
        var script = Fakes.Add(new RunScript(NewRunId()) { StartTicket = requested, Plan = new RunPlan { Adds = 5, BatchCount = 1 } }
            .ThenPolls(requested, requested with { State = ExportState.Ready }));

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "amplitude", RunMode.Incremental, ExportFirst: true));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal(
            [WorkflowNames.StartExport, WorkflowNames.PollExport, WorkflowNames.PollExport, WorkflowNames.Prepare, WorkflowNames.SendBatch, WorkflowNames.Commit],
            Fakes.Calls(script.RunId).Select(c => c.Activity));

        // The waits before the polls are the orchestration's (no fake waits): the first poll delay, then double it.
        var at = Fakes.Calls(script.RunId).Select(c => c.At).ToList();
        Assert.True(at[1] - at[0] >= TimeSpan.FromSeconds(0.9), $"first poll {at[1] - at[0]} after the request");
        Assert.True(at[2] - at[1] >= TimeSpan.FromSeconds(1.9), $"second poll {at[2] - at[1]} after the first");
    }

    [Fact]
    public async Task RunAsync_ExportPastItsDeadline_FailsTheRunWithoutPreparing()
    {
        // Arrange
        var late = new ExportTicket(ExportState.Requested, CohortId: "c-late", RequestId: "r2", Deadline: DateTimeOffset.UtcNow.AddMinutes(-1));
        var script = Fakes.Add(new RunScript(NewRunId()) { StartTicket = late });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "amplitude", RunMode.Incremental, ExportFirst: true));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Failed), result);
        Assert.Equal([WorkflowNames.StartExport, WorkflowNames.Fail], Fakes.Calls(script.RunId).Select(c => c.Activity));
        var fail = (FailRunInput)Fakes.Calls(script.RunId, WorkflowNames.Fail)[0].Input;
        Assert.Equal(script.RunId, fail.RunId);
        Assert.Contains("export of cohort 'c-late' did not finish by its deadline", fail.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_GuardedRunApprovedWhileWaiting_Sends()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId()) { Plan = new RunPlan { Removes = 900, BatchCount = 2, Guarded = true } });
        await _engine.StartAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));
        await _engine.WaitUntilPreparedAsync(script.RunId);
        var waiting = await _engine.Client.GetInstanceAsync(script.RunId);
        Assert.Equal(OrchestrationRuntimeStatus.Running, waiting?.RuntimeStatus);
        Assert.Empty(Fakes.Calls(script.RunId, WorkflowNames.SendBatch));

        // Act
        await _engine.Client.RaiseEventAsync(script.RunId, WorkflowNames.DecisionEvent, new RunDecision(true, "ops", DateTimeOffset.UtcNow));
        var result = await _engine.CompletionAsync(script.RunId);

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal([0, 1], Fakes.Calls(script.RunId, WorkflowNames.SendBatch).Select(c => ((SendBatchInput)c.Input).BatchNumber).Order());
        Assert.Equal(new CommitRunInput(script.RunId), Assert.Single(Fakes.Calls(script.RunId, WorkflowNames.Commit)).Input);
    }

    [Fact]
    public async Task RunAsync_GuardedRunApprovedBeforeItWaits_StillGetsTheDecisionAndSends()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId()) { Plan = new RunPlan { Removes = 900, BatchCount = 2, Guarded = true } });

        // Act: the decision is raised right after scheduling, before Prepare has run.
        await _engine.StartAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));
        await _engine.Client.RaiseEventAsync(script.RunId, WorkflowNames.DecisionEvent, new RunDecision(true, "ops", DateTimeOffset.UtcNow));
        var result = await _engine.CompletionAsync(script.RunId);

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        var calls = Fakes.Calls(script.RunId);
        Assert.Equal(WorkflowNames.Prepare, calls[0].Activity);
        Assert.Equal([0, 1], Fakes.Calls(script.RunId, WorkflowNames.SendBatch).Select(c => ((SendBatchInput)c.Input).BatchNumber).Order());
        Assert.Equal(WorkflowNames.Commit, calls[^1].Activity);
    }

    [Fact]
    public async Task RunAsync_GuardedRunRejected_CommitsTheRejectionWithoutSending()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId()) { Plan = new RunPlan { Removes = 900, BatchCount = 2, Guarded = true } });
        await _engine.StartAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));
        await _engine.WaitUntilPreparedAsync(script.RunId);

        // Act
        await _engine.Client.RaiseEventAsync(script.RunId, WorkflowNames.DecisionEvent, new RunDecision(false, "ops", DateTimeOffset.UtcNow));
        var result = await _engine.CompletionAsync(script.RunId);

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Rejected), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Commit], Fakes.Calls(script.RunId).Select(c => c.Activity));
        Assert.Equal(new CommitRunInput(script.RunId, Rejected: true), Fakes.Calls(script.RunId, WorkflowNames.Commit)[0].Input);
    }

    [Fact]
    public async Task RunAsync_SendFailsTransientlyOnce_RetriesThatBatchAndCompletes()
    {
        // Arrange
        var script = Fakes.Add(new RunScript(NewRunId())
        {
            Plan = new RunPlan { Adds = 30, BatchCount = 3 },
            SendFailure = (batch, attempt) => batch == 1 && attempt == 1 ? new RetryableDestinationException("503 from the destination") : null,
        });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 2, [2] = 1 }, script.SendAttempts.OrderBy(a => a.Key).ToDictionary());
        Assert.Single(Fakes.Calls(script.RunId, WorkflowNames.Commit));
        Assert.Empty(Fakes.Calls(script.RunId, WorkflowNames.Fail));
    }

    [Fact]
    public async Task RunAsync_SendFailsPermanently_DoesNotRetryAndStillCommitsTheOtherBatches()
    {
        // Arrange: per SyncWorkflow, a batch that fails after its retries stays unsettled and the run still commits.
        var script = Fakes.Add(new RunScript(NewRunId())
        {
            Plan = new RunPlan { Adds = 30, BatchCount = 3 },
            SendFailure = (batch, _) => batch == 2 ? new DestinationAuthException("the API key was revoked") : null,
        });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Completed), result);
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [1] = 1, [2] = 1 }, script.SendAttempts.OrderBy(a => a.Key).ToDictionary());
        Assert.Equal(new CommitRunInput(script.RunId), Assert.Single(Fakes.Calls(script.RunId, WorkflowNames.Commit)).Input);
        Assert.Empty(Fakes.Calls(script.RunId, WorkflowNames.Fail));
    }

    [Fact]
    public async Task RunAsync_PrepareFailsPermanently_FailsTheRunWithTheMessageAfterOneAttempt()
    {
        // Arrange
        const string problem = "line 3: the user_id column is missing";
        var script = Fakes.Add(new RunScript(NewRunId()) { PrepareFailure = () => new MalformedSourceException(problem) });

        // Act
        var result = await _engine.RunAsync(new RunInput(script.RunId, "orders", RunMode.Incremental));

        // Assert
        Assert.Equal(new RunResult(script.RunId, RunStatus.Failed), result);
        Assert.Equal([WorkflowNames.Prepare, WorkflowNames.Fail], Fakes.Calls(script.RunId).Select(c => c.Activity));
        var fail = (FailRunInput)Fakes.Calls(script.RunId, WorkflowNames.Fail)[0].Input;
        Assert.Equal(new FailRunInput(script.RunId, $"{WorkflowNames.Prepare} failed: {problem}"), fail);
    }

    private static string NewRunId() => "run-" + Guid.NewGuid().ToString("N");
}
