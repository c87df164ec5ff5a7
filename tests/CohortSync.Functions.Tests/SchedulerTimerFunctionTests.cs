using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Workflow;
using CohortSync.Functions.Scheduling;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CohortSync.Functions.Tests;

/// <summary>The timer's shell: Core's real scheduler and run service, a mocked store and Durable client.</summary>
public sealed class SchedulerTimerFunctionTests : IDisposable
{
    private static readonly DateTimeOffset Created = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastSlot = new(2026, 3, 10, 11, 59, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset Slot = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly FunctionsShell _shell = new(Now);

    public void Dispose() => _shell.Dispose();

    [Fact]
    public async Task RunAsync_TwoSyncsDue_StartsOneOrchestrationPerRunUnderTheRunId()
    {
        // Arrange
        AddDueSync("orders");
        AddDueSync("refunds");
        var function = _shell.Create<SchedulerTimerFunction>();

        // Act
        await function.RunAsync(new TimerInfo(), _shell.Client, FunctionsShell.FunctionContext());

        // Assert
        var expectedRunIds = new[] { RunIds.ForSlot("orders", Slot), RunIds.ForSlot("refunds", Slot) };
        Assert.Equal(expectedRunIds.Order(StringComparer.Ordinal), _shell.SavedRuns.Select(r => r.RunId).Order(StringComparer.Ordinal));
        Assert.Equal(2, _shell.Scheduled.Count);
        foreach (var scheduled in _shell.Scheduled)
        {
            Assert.Equal(WorkflowNames.Orchestration, scheduled.Name.Name);
            var input = Assert.IsType<RunInput>(scheduled.Input);
            Assert.Equal(input.RunId, scheduled.Options?.InstanceId);
            Assert.Equal(RunMode.Incremental, input.Mode);
            Assert.Equal(RunIds.ForSlot(input.SyncId, Slot), input.RunId);
        }

        Assert.Equal(expectedRunIds.Order(StringComparer.Ordinal), _shell.Scheduled.Select(s => s.Options!.InstanceId!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunAsync_InstanceOfTheDueRunExists_DoesNotScheduleItAgain()
    {
        // Arrange: a tick that raced another on the same slot finds the slot's run already in the task hub.
        AddDueSync("orders");
        _shell.AddInstance(RunIds.ForSlot("orders", Slot), OrchestrationRuntimeStatus.Running);
        var function = _shell.Create<SchedulerTimerFunction>();

        // Act
        await function.RunAsync(new TimerInfo { IsPastDue = true }, _shell.Client, FunctionsShell.FunctionContext());

        // Assert
        Assert.Equal(RunIds.ForSlot("orders", Slot), Assert.Single(_shell.SavedRuns).RunId);
        Assert.Empty(_shell.Scheduled);
    }

    [Fact]
    public async Task RunAsync_NothingDue_SchedulesNothing()
    {
        // Arrange: the sync's slot for now has been handled already.
        AddDueSync("orders", lastSlot: Slot);
        var function = _shell.Create<SchedulerTimerFunction>();

        // Act
        await function.RunAsync(new TimerInfo(), _shell.Client, FunctionsShell.FunctionContext());

        // Assert
        Assert.Empty(_shell.SavedRuns);
        Assert.Empty(_shell.Scheduled);
    }

    private void AddDueSync(string id, DateTimeOffset? lastSlot = null) => _shell.AddSync(
        new SyncDefinition
        {
            Id = id,
            Name = id,
            DestinationId = "dest",
            Source = new SourceDefinition("file", $"/data/{id}.csv"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
            Cadence = "minute",
            CreatedAt = Created,
        },
        new SyncState { SyncId = id, LastScheduledSlot = lastSlot ?? LastSlot, LastRunId = $"{id}.20260310T115900.s", LastRunStatus = RunStatus.Completed });
}
