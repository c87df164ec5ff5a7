using System.Net;
using System.Net.Sockets;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Durable.Tests;

/// <summary>
/// One Durable Task engine (DurableTaskTestHost: in-memory backend, gRPC sidecar, worker and client in this process) for
/// every test: the real <see cref="SyncRunOrchestrator"/> and the fakes behind the product's <see cref="WorkflowActivity{TActivity, TInput, TOutput}"/>
/// adapter. Each test scripts its own run id, so they share the engine without sharing state.
/// </summary>
public sealed class EngineFixture : IAsyncLifetime
{
    /// <summary>How long a test waits for its run at most.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    private DurableTaskTestHost? _host;

    /// <summary>Three attempts, one second apart: a retry costs a second of test time.</summary>
    internal static WorkflowRetryOptions Retry { get; } = new() { MaxAttempts = 3, FirstInterval = TimeSpan.FromSeconds(1), MaxInterval = TimeSpan.FromSeconds(1) };

    internal FakeWorkflow Workflow { get; } = new();

    public DurableTaskClient Client => _host?.Client ?? throw new InvalidOperationException("the engine is not started");

    public async Task InitializeAsync()
    {
        var workflow = Workflow;
        _host = await DurableTaskTestHost.StartAsync(
            registry =>
            {
                registry.AddOrchestrator(WorkflowNames.Orchestration, () => new SyncRunOrchestrator(Retry));
                registry.AddActivity<WorkflowActivity<FakeStartExport, RunInput, ExportTicket>>(WorkflowNames.StartExport);
                registry.AddActivity<WorkflowActivity<FakePollExport, RunInput, ExportTicket>>(WorkflowNames.PollExport);
                registry.AddActivity<WorkflowActivity<FakePrepare, RunInput, RunPlan>>(WorkflowNames.Prepare);
                registry.AddActivity<WorkflowActivity<FakeSendBatch, SendBatchInput, BatchSummary>>(WorkflowNames.SendBatch);
                registry.AddActivity<WorkflowActivity<FakeCommit, CommitRunInput, RunResult>>(WorkflowNames.Commit);
                registry.AddActivity<WorkflowActivity<FakeFail, FailRunInput, RunResult>>(WorkflowNames.Fail);
            },
            new DurableTaskTestHostOptions
            {
                Port = FreeLoopbackPort(),
                ConfigureServices = services =>
                {
                    services.AddSingleton(workflow);
                    services.AddSingleton<FakeStartExport>();
                    services.AddSingleton<FakePollExport>();
                    services.AddSingleton<FakePrepare>();
                    services.AddSingleton<FakeSendBatch>();
                    services.AddSingleton<FakeCommit>();
                    services.AddSingleton<FakeFail>();
                },
            });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Schedules the run's orchestration (instance id = run id), as DurableWorkflowEngine does.</summary>
    internal Task StartAsync(RunInput input) =>
        Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.Orchestration, input, new StartOrchestrationOptions(input.RunId));

    /// <summary>Waits for the run's orchestration to end; it must complete (not fail) with a result.</summary>
    internal async Task<RunResult> CompletionAsync(string runId)
    {
        using var timeout = new CancellationTokenSource(RunTimeout);
        OrchestrationMetadata instance;
        try
        {
            instance = await Client.WaitForInstanceCompletionAsync(runId, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var now = await Client.GetInstanceAsync(runId, getInputsAndOutputs: true);
            throw new TimeoutException($"run {runId} did not finish within {RunTimeout}; it is {now?.RuntimeStatus}; calls: "
                + string.Join(", ", Workflow.Calls(runId).Select(c => c.Activity)));
        }

        Assert.True(
            instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"run {runId}: the orchestration is {instance.RuntimeStatus}: {instance.FailureDetails?.ErrorType} {instance.FailureDetails?.ErrorMessage}");
        return instance.ReadOutputAs<RunResult>() ?? throw new InvalidOperationException($"run {runId} completed without a result");
    }

    /// <summary>Runs one orchestration to its end.</summary>
    internal async Task<RunResult> RunAsync(RunInput input)
    {
        await StartAsync(input);
        return await CompletionAsync(input.RunId);
    }

    /// <summary>
    /// Waits (polling, with a deadline) until the orchestration has taken in Prepare's result: its state was last written
    /// after the fake Prepare returned. Nothing but that result reaches the orchestration in between, so from then on a
    /// guarded run is waiting for its decision. (The in-memory backend serves no history to the client, so the history
    /// cannot show it.)
    /// </summary>
    internal async Task WaitUntilPreparedAsync(string runId)
    {
        var script = Workflow.Script(runId);
        await Eventually.UntilAsync(
            () => Client.GetInstanceAsync(runId),
            instance => script.PreparedAt is { } prepared && instance is not null && instance.LastUpdatedAt > prepared,
            RunTimeout,
            $"run {runId} to take in Prepare's result",
            instance => $"prepared at {script.PreparedAt:O}, instance {instance?.RuntimeStatus} last updated {instance?.LastUpdatedAt:O}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The tests that share one engine.</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "Durable Task engine";
}
