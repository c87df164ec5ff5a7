using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Workflow.Activities;

public sealed class SendBatchActivityTests
{
    private const string RunId = "orders.20260310T110000.s";
    private readonly Mock<ISyncStore> _store = new();
    private readonly FakeConnector _connector = new();
    private readonly List<SnapshotChange> _changes;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private readonly Dictionary<int, BatchRecord> _later = [];
    private BatchRecord _batch;
    private RunRecord _run;

    public SendBatchActivityTests()
    {
        _changes = [.. Enumerable.Range(0, 6)
            .Select(i => new SnapshotChange(i % 3 == 2 ? ChangeKind.Remove : ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Order(Comparer<SnapshotChange>.Create((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry)))];
        _batch = new BatchRecord { RunId = RunId, Number = 0, Changes = _changes };
        _run = new RunRecord
        {
            RunId = RunId,
            SyncId = "orders",
            Trigger = "manual",
            Status = RunStatus.Sending,
            Plan = new RunPlan { BatchCount = 1, MaxParallelSends = 4, ContainerId = "list-1" },
        };
        var sync = new SyncDefinition
        {
            Id = "orders",
            Name = "orders",
            DestinationId = "dest",
            Source = new SourceDefinition("file", "cohort.csv"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        };
        var destination = new DestinationDefinition { Id = "dest", Name = "dest", Type = FakeConnector.TypeName };
        _store.Setup(s => s.GetBatchAsync(RunId, 0, It.IsAny<CancellationToken>())).ReturnsAsync(() => _batch);
        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<RunRecord>(_run, "etag"));
        _store.Setup(s => s.GetSyncAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<SyncDefinition>(sync, "etag"));
        _store.Setup(s => s.GetDestinationAsync("dest", It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<DestinationDefinition>(destination, "etag"));
        _store.Setup(s => s.SaveBatchProgressAsync(RunId, It.IsAny<BatchProgress>(), It.IsAny<CancellationToken>()))
            .Callback<string, BatchProgress, CancellationToken>((_, p, _) => _batch = _batch with { Progress = p })
            .Returns(Task.CompletedTask);
        _store.Setup(s => s.SaveBatchOutcomeAsync(RunId, It.IsAny<BatchOutcome>(), It.IsAny<CancellationToken>()))
            .Callback<string, BatchOutcome, CancellationToken>((_, o, _) => _batch = _batch with { Outcome = o })
            .Returns(Task.CompletedTask);
    }

    [Fact]
    public async Task RunAsync_SendFailsAfterSomeRequestsWereAnswered_StoresThemAndTheRetrySendsOnlyTheRest()
    {
        // Arrange: the first send answers for changes 0-2 (refusing 1), then fails; the second succeeds.
        _connector.Script.Enqueue(request =>
        {
            request.Settled([0, 2], [new MemberRejection(1, "refused")]);
            throw new Errors.RetryableDestinationException(FakeConnector.TypeName, null, "connection failed");
        });
        _connector.Script.Enqueue(request => new SendResult([new MemberRejection(2, "refused later")], 1));
        var activity = Activity();

        // Act
        await Assert.ThrowsAsync<Errors.RetryableDestinationException>(() => activity.RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None));
        var progress = _batch.Progress;
        var summary = await activity.RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert: the retry carried changes 3-5 only; the outcome holds both sends' refusals at their batch positions.
        Assert.Equal([0, 1, 2], progress!.Settled);
        Assert.Equal([new MemberRejection(1, "refused")], progress.Rejections);
        Assert.Equal(_changes.Skip(3), _connector.Sent[1]);
        Assert.Equal([new MemberRejection(1, "refused"), new MemberRejection(5, "refused later")], _batch.Outcome!.Rejections);
        Assert.Equal(new BatchSummary(0, 4, 2), summary);
    }

    [Fact]
    public async Task RunAsync_SendFailsBeforeAnyAnswer_StoresNoProgressAndTheRetrySendsTheWholeBatch()
    {
        // Arrange
        _connector.Script.Enqueue(_ => throw new Errors.RetryableDestinationException(FakeConnector.TypeName, null, "503"));
        _connector.Script.Enqueue(_ => new SendResult([], 1));
        var activity = Activity();

        // Act
        await Assert.ThrowsAsync<Errors.RetryableDestinationException>(() => activity.RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None));
        await activity.RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert
        _store.Verify(s => s.SaveBatchProgressAsync(It.IsAny<string>(), It.IsAny<BatchProgress>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Equal(_changes, _connector.Sent[1]);
        Assert.Equal(6, _batch.Outcome!.Accepted);
    }

    [Fact]
    public async Task RunAsync_DestinationSkipsSomeForGood_RecordsThemAtTheirBatchPositionsApartFromTheAccepted()
    {
        // Arrange: an earlier send settled changes 0-2; this one skips its second change (batch position 4).
        _batch = _batch with { Progress = new BatchProgress { Number = 0, Settled = [0, 1, 2] } };
        _connector.Script.Enqueue(_ => new SendResult([], 1, Skipped: [new MemberRejection(1, "forgotten")]));

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert
        Assert.Equal([new MemberRejection(4, "forgotten")], _batch.Outcome!.Skipped);
        Assert.Equal(5, _batch.Outcome.Accepted);
        Assert.Equal(new BatchSummary(0, 5, 0), summary);
    }

    [Fact]
    public async Task RunAsync_FirstSendSucceeds_StoresTheOutcomeWithTheRefusalsAndTheRestAccepted()
    {
        // Arrange
        _connector.Script.Enqueue(_ => new SendResult([new MemberRejection(4, "bad email"), new MemberRejection(0, "unknown user")], 2));

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert: refusals in batch order; a first send carries the whole batch, so positions are the connector's own.
        Assert.Equal(_changes, Assert.Single(_connector.Sent));
        Assert.Equal([new MemberRejection(0, "unknown user"), new MemberRejection(4, "bad email")], _batch.Outcome!.Rejections);
        Assert.Equal(4, _batch.Outcome.Accepted);
        Assert.Empty(_batch.Outcome.Skipped);
        Assert.Equal(new BatchSummary(0, 4, 2), summary);
        _store.Verify(s => s.SaveBatchProgressAsync(It.IsAny<string>(), It.IsAny<BatchProgress>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task RunAsync_Sent_StoresTheConnectorsRequestsLearnedRateAndDataPoints()
    {
        // Arrange
        _connector.Script.Enqueue(_ => new SendResult([], 3, RequestsPerSecond: 12.5, DataPoints: 18));

        // Act
        await Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert
        var outcome = _batch.Outcome!;
        Assert.Equal((6, 3, (double?)12.5, (int?)18), (outcome.Accepted, outcome.Requests, outcome.RequestsPerSecond, outcome.DataPoints));
    }

    [Theory]
    [InlineData(10, 4, 0.25)] // more batches than parallel sends: four share the limit
    [InlineData(2, 4, 0.5)] // fewer: the two that run share it
    [InlineData(1, 4, 1.0)]
    [InlineData(3, 0, 1.0)] // no parallelism set: one send at a time
    public async Task RunAsync_Send_GivesTheConnectorTheRunsContainerLearnedRateAndItsShareOfTheLimit(int batchCount, int maxParallelSends, double share)
    {
        // Arrange
        _run = _run with { Plan = _run.Plan! with { BatchCount = batchCount, MaxParallelSends = maxParallelSends, LearnedRequestsPerSecond = 7.5 } };
        _connector.Script.Enqueue(_ => new SendResult([], 1));

        // Act
        await Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert
        var request = Assert.Single(_connector.Requests);
        Assert.Equal(("orders", RunId, 0, "list-1"), (request.SyncId, request.RunId, request.BatchNumber, request.ContainerId));
        Assert.Equal(share, request.SenderShare);
        Assert.Equal(7.5, request.LearnedRequestsPerSecond);
        Assert.NotNull(request.Delivery);
    }

    [Fact]
    public async Task RunAsync_SecondSendFailsToo_AddsWhatItSettledToTheEarlierProgressAtBatchPositions()
    {
        // Arrange: an earlier send settled 0-2 (refusing 1); this one carries 3-5, settles its first and refuses its last.
        _batch = _batch with { Progress = new BatchProgress { Number = 0, Settled = [0, 1, 2], Rejections = [new MemberRejection(1, "refused")] } };
        _connector.Script.Enqueue(request =>
        {
            request.Settled([0], [new MemberRejection(2, "refused again")]);
            throw new Errors.RetryableDestinationException(FakeConnector.TypeName, null, "connection failed");
        });

        // Act
        await Assert.ThrowsAsync<Errors.RetryableDestinationException>(() => Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None));

        // Assert
        Assert.Equal([0, 1, 2, 3, 5], _batch.Progress!.Settled);
        Assert.Equal([new MemberRejection(1, "refused"), new MemberRejection(5, "refused again")], _batch.Progress.Rejections);
        Assert.Null(_batch.Outcome);
    }

    [Fact]
    public async Task RunAsync_HostStopsAfterSomeAnswers_StillStoresThemAndRethrows()
    {
        // Arrange: the send is cancelled after the destination answered for change 0.
        using var stopping = new CancellationTokenSource();
        _connector.Script.Enqueue(request =>
        {
            request.Settled([0]);
            stopping.Cancel();
            throw new OperationCanceledException(stopping.Token);
        });

        // Act
        await Assert.ThrowsAsync<OperationCanceledException>(() => Activity().RunAsync(new SendBatchInput(RunId, 0), stopping.Token));

        // Assert: saved with a token of its own, the host's being cancelled.
        Assert.Equal([0], _batch.Progress!.Settled);
        _store.Verify(s => s.SaveBatchProgressAsync(RunId, It.IsAny<BatchProgress>(), CancellationToken.None), Times.Once);
    }

    [Fact]
    public async Task RunAsync_NoSuchBatch_ThrowsNotFoundWithoutSending()
    {
        // Act
        var error = await Assert.ThrowsAsync<Errors.NotFoundException>(() => Activity().RunAsync(new SendBatchInput(RunId, 9), CancellationToken.None));

        // Assert
        Assert.Equal($"batch 9 of run '{RunId}' does not exist", error.Message);
        Assert.Empty(_connector.Sent);
    }

    [Fact]
    public async Task RunAsync_SettledBatch_ReturnsItsOutcomeWithoutSending()
    {
        // Arrange
        _batch = _batch with { Outcome = new BatchOutcome { Number = 0, Accepted = 5, Rejections = [new MemberRejection(3, "refused")] } };

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0), CancellationToken.None);

        // Assert
        Assert.Equal(new BatchSummary(0, 5, 1), summary);
        Assert.Empty(_connector.Sent);
    }

    [Theory]
    [InlineData(12, 4, 6, 4, 2)]
    [InlineData(12, 4, 3, 4, 3)]
    [InlineData(3, 4, 2, 3, 2)]
    [InlineData(16, 8, 13, 8, 5)]
    public async Task RunAsync_OneOfManyBatches_SendsInTheWorkflowsLaneForItWithThatLanesShare(int batches, int parallel, int number, int lanes, int lane)
    {
        // Arrange: the run's plan and batch <number> of it.
        var run = new RunRecord
        {
            RunId = RunId,
            SyncId = "orders",
            Trigger = "manual",
            Status = RunStatus.Sending,
            Plan = new RunPlan { BatchCount = batches, MaxParallelSends = parallel, ContainerId = "list-1" },
        };
        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<RunRecord>(run, "etag"));
        _store.Setup(s => s.GetBatchAsync(RunId, number, It.IsAny<CancellationToken>())).ReturnsAsync(() => _batch with { Number = number });
        SendRequest? sent = null;
        _connector.Script.Enqueue(request =>
        {
            sent = request;
            return new SendResult([], 1);
        });

        // Act
        await Activity().RunAsync(new SendBatchInput(RunId, number), CancellationToken.None);

        // Assert: the lane is the one SyncWorkflow sends the batch in, and the share is one lane's.
        Assert.Equal(lane, sent!.SenderLane);
        Assert.Equal(1.0 / lanes, sent.SenderShare, 12);
    }

    [Fact]
    public async Task RunAsync_GivenItsLanes_GoesOnWithTheLanesNextBatchesAndSaysTheLastItSettled()
    {
        // Arrange: five batches in two lanes; batch 0's lane is 0, 2, 4.
        LaterBatches(count: 5, parallel: 2);
        var sent = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            _connector.Script.Enqueue(request =>
            {
                sent.Add(request.BatchNumber);
                return new SendResult([], 1);
            });
        }

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0, Lanes: 2), CancellationToken.None);

        // Assert: each batch recorded its own outcome, as when sent on its own.
        Assert.Equal([0, 2, 4], sent);
        Assert.Equal(new BatchSummary(0, 6, 0, Through: 4), summary);
        Assert.NotNull(_batch.Outcome);
        Assert.Equal(6, _later[2].Outcome!.Accepted);
        Assert.Equal(6, _later[4].Outcome!.Accepted);
        Assert.Null(_later[1].Outcome);
    }

    [Fact]
    public async Task RunAsync_ALaterBatchOfTheLaneFails_KeepsItsProgressAndReportsTheLastBatchSettledBeforeIt()
    {
        // Arrange: batch 2 fails after the destination answered for its first change.
        LaterBatches(count: 5, parallel: 2);
        _connector.Script.Enqueue(_ => new SendResult([], 1));
        _connector.Script.Enqueue(request =>
        {
            request.Settled([0]);
            throw new Errors.RetryableDestinationException(FakeConnector.TypeName, null, "503");
        });

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0, Lanes: 2), CancellationToken.None);

        // Assert: batch 0 is settled and reported on its own; batch 2 kept what was answered and is left to the workflow.
        Assert.Equal(new BatchSummary(0, 6, 0), summary);
        Assert.Equal([0], _later[2].Progress!.Settled);
        Assert.Null(_later[2].Outcome);
        Assert.Null(_later[4].Outcome);
    }

    [Fact]
    public async Task RunAsync_LanesBudgetSpent_HandsBackAfterTheFirstBatch()
    {
        // Arrange: the first batch's send takes longer than the budget.
        LaterBatches(count: 5, parallel: 2);
        _connector.Script.Enqueue(_ =>
        {
            _time.Advance(SendBatchActivity.LaneBudget);
            return new SendResult([], 1);
        });

        // Act
        var summary = await Activity().RunAsync(new SendBatchInput(RunId, 0, Lanes: 2), CancellationToken.None);

        // Assert
        Assert.Equal(new BatchSummary(0, 6, 0), summary);
        Assert.Single(_connector.Sent);
        Assert.Null(_later[2].Outcome);
    }

    // The run has <count> batches sent <parallel> at once; batches 1 to count - 1 hold the same changes as batch 0.
    private void LaterBatches(int count, int parallel)
    {
        var run = new RunRecord
        {
            RunId = RunId,
            SyncId = "orders",
            Trigger = "manual",
            Status = RunStatus.Sending,
            Plan = new RunPlan { BatchCount = count, MaxParallelSends = parallel, ContainerId = "list-1" },
        };
        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<RunRecord>(run, "etag"));
        for (var n = 1; n < count; n++)
        {
            _later[n] = _batch with { Number = n };
        }

        _store.Setup(s => s.GetBatchAsync(RunId, It.Is<int>(n => n > 0), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, int n, CancellationToken _) => _later[n]);
        _store.Setup(s => s.SaveBatchOutcomeAsync(RunId, It.Is<BatchOutcome>(o => o.Number > 0), It.IsAny<CancellationToken>()))
            .Callback<string, BatchOutcome, CancellationToken>((_, o, _) => _later[o.Number] = _later[o.Number] with { Outcome = o })
            .Returns(Task.CompletedTask);
        _store.Setup(s => s.SaveBatchProgressAsync(RunId, It.Is<BatchProgress>(p => p.Number > 0), It.IsAny<CancellationToken>()))
            .Callback<string, BatchProgress, CancellationToken>((_, p, _) => _later[p.Number] = _later[p.Number] with { Progress = p })
            .Returns(Task.CompletedTask);
    }

    private SendBatchActivity Activity()
    {
        var registry = new Mock<IDestinationRegistry>();
        registry.Setup(r => r.Resolve(FakeConnector.TypeName)).Returns(_connector);
        return new SendBatchActivity(_store.Object, registry.Object, new RunRecords(_store.Object, _time), _time, NullLogger<SendBatchActivity>.Instance);
    }

    private sealed class FakeConnector : IDestinationConnector
    {
        public const string TypeName = "fake";

        public Queue<Func<SendRequest, SendResult>> Script { get; } = new();

        public List<IReadOnlyList<SnapshotChange>> Sent { get; } = [];

        public List<SendRequest> Requests { get; } = [];

        public string Type => TypeName;

        public DestinationCapabilities Describe(DestinationDefinition destination) => new(100, [KeyKind.UserId], []);

        public string? Validate(DestinationKey key, string? payload) => null;

        public Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken) =>
            Task.FromResult("list-1");

        public Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
        {
            Sent.Add([.. request.Changes]);
            Requests.Add(request);
            return Task.FromResult(Script.Dequeue()(request));
        }
    }
}
