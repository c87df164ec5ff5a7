using System.Collections.Concurrent;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;

namespace CohortSync.Durable.Tests;

/// <summary>One call an activity fake received: which activity, for which run, its input and its place in the order of all calls.</summary>
internal sealed record ActivityCall(string Activity, string RunId, object Input, long Sequence, DateTimeOffset At);

/// <summary>
/// What the fakes do for one run (keyed by run id, so one engine serves every test) and what they saw. Thread-safe: the
/// engine runs up to two activities at once.
/// </summary>
internal sealed class RunScript
{
    private readonly ConcurrentQueue<ExportTicket> _polls = new();
    private readonly ConcurrentDictionary<int, int> _sendAttempts = new();
    private int _sendsInFlight;
    private int _maxSendsInFlight;
    private long _preparedAtTicks;

    public RunScript(string runId, RunMode mode = RunMode.Incremental)
    {
        RunId = runId;
        Mode = mode;
    }

    public string RunId { get; }

    public RunMode Mode { get; }

    /// <summary>The plan Prepare returns.</summary>
    public RunPlan Plan { get; init; } = new();

    /// <summary>When set, Prepare throws this on every attempt.</summary>
    public Func<Exception>? PrepareFailure { get; init; }

    /// <summary>The ticket StartExport returns.</summary>
    public ExportTicket StartTicket { get; init; } = ExportTicket.NotNeeded;

    /// <summary>How long each send takes (to let overlapping sends be seen).</summary>
    public TimeSpan SendDuration { get; init; }

    /// <summary>Given a batch number and its attempt (1-based), the exception the send throws, or null to succeed.</summary>
    public Func<int, int, Exception?> SendFailure { get; init; } = (_, _) => null;

    /// <summary>When the fake Prepare returned its plan (null before).</summary>
    public DateTimeOffset? PreparedAt => Interlocked.Read(ref _preparedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public void Prepared() => Interlocked.Exchange(ref _preparedAtTicks, DateTimeOffset.UtcNow.UtcTicks);

    /// <summary>The most sends that were running at the same moment.</summary>
    public int MaxSendsInFlight => Volatile.Read(ref _maxSendsInFlight);

    public IReadOnlyDictionary<int, int> SendAttempts => _sendAttempts;

    /// <summary>Queues the tickets PollExport returns, one per poll.</summary>
    public RunScript ThenPolls(params ExportTicket[] tickets)
    {
        foreach (var ticket in tickets)
        {
            _polls.Enqueue(ticket);
        }

        return this;
    }

    public ExportTicket NextPoll() =>
        _polls.TryDequeue(out var ticket) ? ticket : throw new InvalidOperationException($"run {RunId}: PollExport called more often than scripted");

    public int BeginSend(int batch)
    {
        var now = Interlocked.Increment(ref _sendsInFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxSendsInFlight)) && Interlocked.CompareExchange(ref _maxSendsInFlight, now, seen) != seen)
        {
        }

        return _sendAttempts.AddOrUpdate(batch, 1, (_, n) => n + 1);
    }

    public void EndSend() => Interlocked.Decrement(ref _sendsInFlight);
}

/// <summary>The fakes' shared state: the scripts, and every call in the order received.</summary>
internal sealed class FakeWorkflow
{
    private readonly ConcurrentDictionary<string, RunScript> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ActivityCall> _calls = new();
    private long _sequence;

    public RunScript Add(RunScript script)
    {
        if (!_scripts.TryAdd(script.RunId, script))
        {
            throw new InvalidOperationException($"run {script.RunId} is scripted twice");
        }

        return script;
    }

    public RunScript Script(string runId) =>
        _scripts.TryGetValue(runId, out var script) ? script : throw new InvalidOperationException($"run {runId} has no script");

    public IReadOnlyList<ActivityCall> Calls(string runId) =>
        [.. _calls.Where(c => c.RunId == runId).OrderBy(c => c.Sequence)];

    public IReadOnlyList<ActivityCall> Calls(string runId, string activity) =>
        [.. Calls(runId).Where(c => c.Activity == activity)];

    public RunScript Record(string activity, string runId, object input)
    {
        _calls.Enqueue(new ActivityCall(activity, runId, input, Interlocked.Increment(ref _sequence), DateTimeOffset.UtcNow));
        return Script(runId);
    }
}

internal sealed class FakeStartExport(FakeWorkflow workflow) : IWorkflowActivity<RunInput, ExportTicket>
{
    public Task<ExportTicket> RunAsync(RunInput input, CancellationToken cancellationToken) =>
        Task.FromResult(workflow.Record(WorkflowNames.StartExport, input.RunId, input).StartTicket);
}

internal sealed class FakePollExport(FakeWorkflow workflow) : IWorkflowActivity<RunInput, ExportTicket>
{
    public Task<ExportTicket> RunAsync(RunInput input, CancellationToken cancellationToken) =>
        Task.FromResult(workflow.Record(WorkflowNames.PollExport, input.RunId, input).NextPoll());
}

internal sealed class FakePrepare(FakeWorkflow workflow) : IWorkflowActivity<RunInput, RunPlan>
{
    public Task<RunPlan> RunAsync(RunInput input, CancellationToken cancellationToken)
    {
        var script = workflow.Record(WorkflowNames.Prepare, input.RunId, input);
        if (script.PrepareFailure is { } failure)
        {
            return Task.FromException<RunPlan>(failure());
        }

        script.Prepared();
        return Task.FromResult(script.Plan);
    }
}

internal sealed class FakeSendBatch(FakeWorkflow workflow) : IWorkflowActivity<SendBatchInput, BatchSummary>
{
    public async Task<BatchSummary> RunAsync(SendBatchInput input, CancellationToken cancellationToken)
    {
        var script = workflow.Record(WorkflowNames.SendBatch, input.RunId, input);
        var attempt = script.BeginSend(input.BatchNumber);
        try
        {
            if (script.SendDuration > TimeSpan.Zero)
            {
                // The send's own duration (work, not a wait for a condition): long enough for overlapping sends to be seen.
                await Task.Delay(script.SendDuration, cancellationToken);
            }

            if (script.SendFailure(input.BatchNumber, attempt) is { } failure)
            {
                throw failure;
            }

            return new BatchSummary(input.BatchNumber, Accepted: 10 + input.BatchNumber, Rejected: 0);
        }
        finally
        {
            script.EndSend();
        }
    }
}

internal sealed class FakeCommit(FakeWorkflow workflow) : IWorkflowActivity<CommitRunInput, RunResult>
{
    public Task<RunResult> RunAsync(CommitRunInput input, CancellationToken cancellationToken)
    {
        var script = workflow.Record(WorkflowNames.Commit, input.RunId, input);
        var status = input.Rejected ? RunStatus.Rejected : script.Mode == RunMode.DryRun ? RunStatus.DryRunCompleted : RunStatus.Completed;
        return Task.FromResult(new RunResult(input.RunId, status));
    }
}

internal sealed class FakeFail(FakeWorkflow workflow) : IWorkflowActivity<FailRunInput, RunResult>
{
    public Task<RunResult> RunAsync(FailRunInput input, CancellationToken cancellationToken)
    {
        workflow.Record(WorkflowNames.Fail, input.RunId, input);
        return Task.FromResult(new RunResult(input.RunId, RunStatus.Failed));
    }
}
