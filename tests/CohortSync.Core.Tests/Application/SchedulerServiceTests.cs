using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Application;

public sealed class SchedulerServiceTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastSlot = new(2026, 3, 10, 11, 59, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset Slot = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly Mock<ISyncStore> _store = new();
    private readonly Mock<IWorkflowEngine> _engine = new();
    private readonly Mock<ISourceProbe> _probe = new();
    private readonly List<(SyncState State, string? ETag)> _savedStates = [];
    private readonly List<RunRecord> _savedRuns = [];
    private SyncDefinition _sync = new()
    {
        Id = "orders",
        Name = "Orders",
        DestinationId = "dest",
        Source = new SourceDefinition("file", "/data/orders.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Cadence = "minute",
        CreatedAt = Created,
    };

    private SyncState _state = new() { SyncId = "orders", LastScheduledSlot = LastSlot, LastRunId = "orders.20260310T115900.s", LastRunStatus = RunStatus.Completed };

    public SchedulerServiceTests()
    {
        _store.Setup(s => s.ListSyncsAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => [_sync]);
        _store.Setup(s => s.ListSyncStatesAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => [new Versioned<SyncState>(_state, "state-etag")]);
        _store.Setup(s => s.GetSyncAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<SyncDefinition>(_sync, "sync-etag"));
        _store.Setup(s => s.GetSyncStateAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<SyncState>(_state, "state-etag"));
        _store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback<SyncState, string?, CancellationToken>((s, e, _) => _savedStates.Add((s, e)))
            .ReturnsAsync("state-etag-2");
        _store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Callback<RunRecord, string?, CancellationToken>((r, _, _) => _savedRuns.Add(r))
            .ReturnsAsync("run-etag");
        _probe.Setup(p => p.Serves(It.IsAny<SourceDefinition>())).Returns(true);
        _probe.Setup(p => p.GetVersionAsync(It.IsAny<SourceDefinition>(), It.IsAny<CancellationToken>())).ReturnsAsync("file:100:1");
    }

    [Fact]
    public async Task TickAsync_DueSyncWhoseSourceIsUnchanged_StartsNoRunAndRecordsTheCheckedSlot()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        Assert.Empty(started);
        _engine.Verify(e => e.StartAsync(It.IsAny<RunInput>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Empty(_savedRuns);
        var (saved, etag) = Assert.Single(_savedStates);
        Assert.Equal("state-etag", etag);
        Assert.Equal(Slot, saved.LastScheduledSlot);
        Assert.Equal(new SourceCheck(Now, Slot, "source unchanged since run orders.20260310T115900.s; no run started"), saved.LastCheck);
        Assert.Equal(_state.SourceVersion, saved.SourceVersion);
        Assert.Null(saved.ActiveRunId);
    }

    [Fact]
    public async Task TickAsync_ManySyncs_ReadsTheirStatesInOneQuery()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };

        // Act
        await Scheduler().TickAsync(Now);

        // Assert
        _store.Verify(s => s.ListSyncStatesAsync(It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.GetSyncStateAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task TickAsync_SourceChanged_StartsARunThatCarriesTheNewVersion()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };
        _probe.Setup(p => p.GetVersionAsync(It.IsAny<SourceDefinition>(), It.IsAny<CancellationToken>())).ReturnsAsync("file:120:2");

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        var run = Assert.Single(started);
        Assert.Equal(RunIds.ForSlot("orders", Slot), run.RunId);
        Assert.Equal("file:120:2", run.SourceVersion);
        Assert.Equal(SourceVersions.Fingerprint(_sync), run.SyncFingerprint);
        _engine.Verify(e => e.StartAsync(It.Is<RunInput>(i => i.RunId == run.RunId), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task TickAsync_SyncEditedSinceTheLastRun_StartsARunThoughTheSourceIsUnchanged()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };
        _sync = _sync with { Carry = [new CarriedField("email", "email")] };

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        Assert.Single(started);
    }

    [Fact]
    public async Task TickAsync_NoVersionRecorded_StartsARun()
    {
        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        Assert.Single(started);
    }

    [Fact]
    public async Task TickAsync_ProbeFails_StartsARunSoTheRunReportsTheProblem()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };
        _probe.Setup(p => p.GetVersionAsync(It.IsAny<SourceDefinition>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("disk gone"));

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        var run = Assert.Single(started);
        Assert.Null(run.SourceVersion);
    }

    [Fact]
    public async Task TickAsync_CheckLosesARaceOnTheState_StartsNoRun()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)) };
        _store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), "state-etag", It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Errors.ConcurrencyException("stale"));

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        Assert.Empty(started);
        _engine.Verify(e => e.StartAsync(It.IsAny<RunInput>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task TickAsync_SlotAlreadyChecked_DoesNotCheckAgain()
    {
        // Arrange
        _state = _state with { SourceVersion = SourceVersions.Of("file:100:1", SourceVersions.Fingerprint(_sync)), LastScheduledSlot = Slot };

        // Act
        var started = await Scheduler().TickAsync(Now);

        // Assert
        Assert.Empty(started);
        Assert.Empty(_savedStates);
        _probe.Verify(p => p.GetVersionAsync(It.IsAny<SourceDefinition>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task TickAsync_RunLeftPendingLongerThanTheStaleLimit_StartsItsWorkflowAgainWithoutQueryingRunHistory()
    {
        // Arrange: the sync has been held for 10 minutes by a run whose workflow never started.
        const string Stuck = "orders.20260310T115000.s";
        _sync = _sync with { Cadence = "manual" };
        _state = _state with { ActiveRunId = Stuck, ClaimedAt = Now.AddMinutes(-10) };
        _store.Setup(s => s.GetRunAsync(Stuck, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<RunRecord>(
            new RunRecord { RunId = Stuck, SyncId = "orders", Trigger = "schedule", Status = RunStatus.Pending, CreatedAt = Now.AddMinutes(-10) }, "e"));

        // Act
        await Scheduler().TickAsync(Now);

        // Assert
        _engine.Verify(e => e.StartAsync(It.Is<RunInput>(i => i.RunId == Stuck), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(2, RunStatus.Pending)]
    [InlineData(10, RunStatus.Sending)]
    public async Task TickAsync_RunRecentlyClaimedOrUnderWay_IsLeftAlone(int claimedMinutesAgo, RunStatus status)
    {
        // Arrange
        const string Active = "orders.20260310T115000.s";
        _sync = _sync with { Cadence = "manual" };
        _state = _state with { ActiveRunId = Active, ClaimedAt = Now.AddMinutes(-claimedMinutesAgo) };
        _store.Setup(s => s.GetRunAsync(Active, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<RunRecord>(
            new RunRecord { RunId = Active, SyncId = "orders", Trigger = "schedule", Status = status, CreatedAt = Now.AddMinutes(-claimedMinutesAgo) }, "e"));

        // Act
        await Scheduler().TickAsync(Now);

        // Assert
        _engine.Verify(e => e.StartAsync(It.IsAny<RunInput>(), It.IsAny<CancellationToken>()), Times.Never);
        _store.Verify(s => s.GetRunAsync(Active, It.IsAny<CancellationToken>()), claimedMinutesAgo > 5 ? Times.Once() : Times.Never());
    }

    private SchedulerService Scheduler()
    {
        var probes = new SourceProbes([_probe.Object], NullLogger<SourceProbes>.Instance);
        var runs = new RunService(_store.Object, _engine.Object, [], probes, _time, NullLogger<RunService>.Instance);
        return new SchedulerService(_store.Object, runs, _engine.Object, probes, _time, NullLogger<SchedulerService>.Instance);
    }
}
