using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Workflow.Activities;

public sealed class CommitRunActivityTests
{
    private const string RunId = "orders.20260310T110000.s";
    private readonly Mock<ISyncStore> _store = new();
    private readonly Mock<ISnapshotStore> _snapshots = new();
    private readonly List<IReadOnlyList<byte[]>> _segments = [];
    private RunRecord _run;

    public CommitRunActivityTests()
    {
        _run = new RunRecord
        {
            RunId = RunId,
            SyncId = "orders",
            Trigger = "schedule",
            Status = RunStatus.Sending,
            Mode = RunMode.Incremental,
            Plan = new RunPlan { Adds = 4, BatchCount = 2 },
        };
        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<RunRecord>(_run, "etag"));
        _store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), "etag", It.IsAny<CancellationToken>()))
            .Callback<RunRecord, string?, CancellationToken>((r, _, _) => _run = r)
            .ReturnsAsync("etag");
        _snapshots.Setup(s => s.WriteSegmentAsync("orders", It.IsAny<string>(), It.IsAny<IReadOnlyList<byte[]>>(), It.IsAny<CancellationToken>()))
            .Callback<string, string, IReadOnlyList<byte[]>, CancellationToken>((_, _, chunks, _) => _segments.Add(chunks))
            .Returns(Task.CompletedTask);
    }

    [Fact]
    public async Task RunAsync_RowsPastThePlannedBatches_AreNotThisRunsAndAreLeftOut()
    {
        // Arrange: the plan has two batches; a third row is left over from an interrupted Prepare of a different input.
        var changes = Enumerable.Range(0, 6).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry))).ToList();
        BatchRecord Batch(int number, params SnapshotChange[] batch) =>
            new() { RunId = RunId, Number = number, Changes = batch, Outcome = new BatchOutcome { Number = number, Accepted = batch.Length } };
        _store.Setup(s => s.ReadBatchesAsync(RunId, It.IsAny<CancellationToken>()))
            .Returns(new[] { Batch(0, changes[0], changes[1]), Batch(1, changes[2], changes[3]), Batch(2, changes[4], changes[5]) }.ToAsyncEnumerable());
        var activity = new CommitRunActivity(_store.Object, new BaselineRepository(_snapshots.Object), new RunRecords(_store.Object, new FakeTimeProvider(DateTimeOffset.UnixEpoch)), NullLogger<CommitRunActivity>.Instance);

        // Act
        var result = await activity.RunAsync(new CommitRunInput(RunId), CancellationToken.None);

        // Assert
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(4, _run.Outcome!.Accepted);
        Assert.Equal(4, _run.Outcome.BaselineAfter);
        var stored = SnapshotCodec.Decode(Assert.Single(_segments));
        Assert.Equal(changes.Take(4), stored);
    }

    [Fact]
    public async Task RunAsync_BatchFailedAfterSomeRequestsWereAnswered_AppliesThoseAndMarksTheRestUncertain()
    {
        // Arrange: batch 0 settled; batch 1 failed after the destination answered for its first two changes, refusing one.
        var changes = Enumerable.Range(0, 6).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry))).ToList();
        var settled = new BatchRecord { RunId = RunId, Number = 0, Changes = changes[..2], Outcome = new BatchOutcome { Number = 0, Accepted = 2 } };
        var failed = new BatchRecord
        {
            RunId = RunId,
            Number = 1,
            Changes = changes[2..],
            Progress = new BatchProgress { Number = 1, Settled = [0, 1], Rejections = [new MemberRejection(1, "refused")] },
        };
        _store.Setup(s => s.ReadBatchesAsync(RunId, It.IsAny<CancellationToken>())).Returns(new[] { settled, failed }.ToAsyncEnumerable());
        var activity = new CommitRunActivity(_store.Object, new BaselineRepository(_snapshots.Object), new RunRecords(_store.Object, new FakeTimeProvider(DateTimeOffset.UnixEpoch)), NullLogger<CommitRunActivity>.Instance);

        // Act
        await activity.RunAsync(new CommitRunInput(RunId), CancellationToken.None);

        // Assert: three accepted, one refused, two uncertain (kept in the baseline so the next run sends them again).
        var outcome = _run.Outcome!;
        Assert.Equal((3, 1, 2, 1), (outcome.Accepted, outcome.Rejected, outcome.Failed, outcome.FailedBatches));
        Assert.Equal((3, 2), (outcome.BaselineAfter, outcome.UncertainAfter));
        var stored = SnapshotCodec.Decode(Assert.Single(_segments));
        Assert.Equal(
            changes[..3].Concat(changes[4..].Select(c => c with { Kind = ChangeKind.Uncertain })),
            stored);
    }

    [Fact]
    public async Task RunAsync_BatchesReportingTheCredentialsRate_StoresTheLastOneInTheSyncState()
    {
        // Arrange
        ArrangeBatches(7.5, 4.25);
        SyncState? saved = null;
        _store.Setup(s => s.GetSyncStateAsync("orders", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<SyncState>(new SyncState { SyncId = "orders", ContainerId = "list-1", LearnedRequestsPerSecond = 9 }, "state-etag"));
        _store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), "state-etag", It.IsAny<CancellationToken>()))
            .Callback<SyncState, string?, CancellationToken>((state, _, _) => saved = state)
            .ReturnsAsync("state-etag-2");

        // Act
        await Activity().RunAsync(new CommitRunInput(RunId), CancellationToken.None);

        // Assert
        Assert.Equal(new SyncState { SyncId = "orders", ContainerId = "list-1", LearnedRequestsPerSecond = 4.25 }, saved);
    }

    [Fact]
    public async Task RunAsync_NoBatchReportsARate_LeavesTheLearnedRateAsItWas()
    {
        // Arrange: a destination with a fixed rate (or none, as a file) reports nothing.
        ArrangeBatches(null, null);

        // Act
        await Activity().RunAsync(new CommitRunInput(RunId), CancellationToken.None);

        // Assert
        _store.Verify(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private CommitRunActivity Activity() =>
        new(_store.Object, new BaselineRepository(_snapshots.Object), new RunRecords(_store.Object, new FakeTimeProvider(DateTimeOffset.UnixEpoch)), NullLogger<CommitRunActivity>.Instance);

    // Two batches of two adds each, settled with the credential's rate each reported.
    private void ArrangeBatches(double? first, double? second)
    {
        var changes = Enumerable.Range(0, 4).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry))).ToList();
        BatchRecord Batch(int number, double? rate) => new()
        {
            RunId = RunId,
            Number = number,
            Changes = changes.Skip(number * 2).Take(2).ToList(),
            Outcome = new BatchOutcome { Number = number, Accepted = 2, RequestsPerSecond = rate },
        };
        _store.Setup(s => s.ReadBatchesAsync(RunId, It.IsAny<CancellationToken>())).Returns(new[] { Batch(0, first), Batch(1, second) }.ToAsyncEnumerable());
    }

    [Fact]
    public async Task RunAsync_SkippedChanges_EnterTheBaselineAndAreCountedByReasonApartFromTheAccepted()
    {
        // Arrange: one settled batch of three adds; the destination skipped the second for good.
        var changes = Enumerable.Range(0, 3).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry))).ToList();
        var batch = new BatchRecord
        {
            RunId = RunId,
            Number = 0,
            Changes = changes,
            Outcome = new BatchOutcome { Number = 0, Accepted = 2, Skipped = [new MemberRejection(1, "forgotten")] },
        };
        _run = _run with { Plan = new RunPlan { Adds = 3, BatchCount = 1 } };
        _store.Setup(s => s.ReadBatchesAsync(RunId, It.IsAny<CancellationToken>())).Returns(new[] { batch }.ToAsyncEnumerable());
        var activity = new CommitRunActivity(_store.Object, new BaselineRepository(_snapshots.Object), new RunRecords(_store.Object, new FakeTimeProvider(DateTimeOffset.UnixEpoch)), NullLogger<CommitRunActivity>.Instance);

        // Act
        var result = await activity.RunAsync(new CommitRunInput(RunId), CancellationToken.None);

        // Assert: all three are in the baseline, so the skipped one is not sent again; the run is Completed.
        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal((2, 1, 0, 3), (_run.Outcome!.Accepted, _run.Outcome.Skipped, _run.Outcome.Rejected, _run.Outcome.BaselineAfter));
        Assert.Equal(1, _run.Outcome.SkippedReasons["forgotten"]);
        Assert.Equal(changes, SnapshotCodec.Decode(Assert.Single(_segments)));
    }
}
