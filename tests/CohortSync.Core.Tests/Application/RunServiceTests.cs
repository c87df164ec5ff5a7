using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Application;

/// <summary>A start that finds the sync claimed by a run whose record is not there: a start in progress, or one that crashed.</summary>
public sealed class RunServiceTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 5, TimeSpan.Zero);
    private const string Holder = "orders.20260310T120000.s";

    private readonly WaitlessTimeProvider _time = new(Now);
    private readonly Mock<ISyncStore> _store = new();
    private readonly Mock<IWorkflowEngine> _engine = new();
    private readonly List<SyncState> _savedStates = [];
    private readonly SyncDefinition _sync = new()
    {
        Id = "orders",
        Name = "Orders",
        DestinationId = "dest",
        Source = new SourceDefinition("file", "/data/orders.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };

    private SyncState _state = new() { SyncId = "orders", ActiveRunId = Holder, ClaimedAt = Now.AddSeconds(-2) };
    private int _stateReads;

    public RunServiceTests()
    {
        _store.Setup(s => s.GetSyncAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<SyncDefinition>(_sync, "sync-etag"));
        _store.Setup(s => s.GetSyncStateAsync("orders", It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new Versioned<SyncState>(_state, "state-etag"))
            .Callback(() => _stateReads++);
        _store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback<SyncState, string?, CancellationToken>((s, _, _) => _savedStates.Add(s))
            .ReturnsAsync("state-etag-2");
        _store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync("run-etag");
    }

    [Fact]
    public async Task StartAsync_ClaimedAMomentAgoAndTheRecordAppears_ReturnsThatRunAndStartsNothing()
    {
        // Arrange: the holder writes its run record while this start waits (after the third look).
        var holder = new RunRecord { RunId = Holder, SyncId = "orders", Trigger = "schedule", Status = RunStatus.Pending };
        _store.Setup(s => s.GetRunAsync(Holder, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => _stateReads >= 3 ? new Versioned<RunRecord>(holder, "run-etag") : null);

        // Act
        var result = await Service().StartAsync("orders", RunMode.Incremental);

        // Assert
        Assert.False(result.Started);
        Assert.Equal(Holder, result.Run.RunId);
        Assert.Empty(_savedStates);
        _engine.Verify(e => e.StartAsync(It.IsAny<RunInput>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task StartAsync_ClaimedAMomentAgoAndTheRecordNeverAppears_FailsSayingWhyAndChangesNothing()
    {
        // Arrange
        _store.Setup(s => s.GetRunAsync(Holder, It.IsAny<CancellationToken>())).ReturnsAsync((Versioned<RunRecord>?)null);

        // Act
        var ex = await Record.ExceptionAsync(() => Service().StartAsync("orders", RunMode.Incremental));

        // Assert
        var conflict = Assert.IsType<ConcurrencyException>(ex);
        Assert.Contains("another start claimed it at 2026-03-10 12:00:03Z", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("free again a minute after the claim", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(20, _stateReads);
        Assert.Empty(_savedStates);
        Assert.Equal(TimeSpan.FromMilliseconds(10 + 20 + 40 + 80 + 160 + (15 * 250)), _time.GetUtcNow() - Now);
    }

    [Fact]
    public async Task StartAsync_ClaimOlderThanAMinuteWithNoRecord_TakesTheSyncOver()
    {
        // Arrange: the holder crashed between its claim and its record.
        _state = _state with { ClaimedAt = Now.AddMinutes(-2) };
        _store.Setup(s => s.GetRunAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync((Versioned<RunRecord>?)null);

        // Act
        var result = await Service().StartAsync("orders", RunMode.Incremental);

        // Assert
        Assert.True(result.Started);
        var claim = Assert.Single(_savedStates);
        Assert.Equal(result.Run.RunId, claim.ActiveRunId);
        Assert.Equal(Now, claim.ClaimedAt);
        _engine.Verify(e => e.StartAsync(It.Is<RunInput>(i => i.RunId == result.Run.RunId), It.IsAny<CancellationToken>()), Times.Once);
    }

    private RunService Service() =>
        new(_store.Object, _engine.Object, [], new SourceProbes([], NullLogger<SourceProbes>.Instance), _time, NullLogger<RunService>.Instance);

    /// <summary>
    /// A fake clock on which every wait ends at once: starting a timer moves the clock by its due time, so the start's
    /// waits for the holder take no real time and leave the clock where they would have.
    /// </summary>
    private sealed class WaitlessTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Advance(dueTime);
            return timer;
        }
    }
}
