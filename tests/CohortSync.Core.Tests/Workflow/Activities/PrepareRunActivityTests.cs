using System.Text;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Members;
using CohortSync.Core.Tests.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow;
using CohortSync.Core.Workflow.Activities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Core.Tests.Workflow.Activities;

public sealed class PrepareRunActivityTests
{
    private const string RunId = "orders.20260310T110000.s";
    private static readonly MemberSchema Schema = new(["user_id", "amp_id", "email"]);

    private readonly Mock<ISyncStore> _store = new();
    private readonly Mock<ISnapshotStore> _snapshots = new();
    private readonly Mock<IMemberSourceFactory> _sources = new();
    private readonly Mock<IDestinationRegistry> _registry = new();
    private readonly Mock<IDestinationConnector> _connector = new();
    private readonly List<BatchRecord> _savedBatches = [];
    private RunRecord _run = new() { RunId = RunId, SyncId = "orders", Trigger = "schedule", Status = RunStatus.Pending };

    public PrepareRunActivityTests()
    {
        var sync = new SyncDefinition
        {
            Id = "orders",
            Name = "Orders",
            DestinationId = "dest",
            Source = new SourceDefinition("file", "/data/members.csv"),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId), new IdentifierMapping("amp_id", KeyKind.Alias, "amplitude_id")],
            Carry = [new CarriedField("email", "email")],
            BatchSize = 2,
        };
        var destination = new DestinationDefinition { Id = "dest", Name = "Dest", Type = "test" };

        _store.Setup(s => s.GetRunAsync(RunId, It.IsAny<CancellationToken>())).ReturnsAsync(() => new Versioned<RunRecord>(_run, "etag"));
        _store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), "etag", It.IsAny<CancellationToken>()))
            .Callback<RunRecord, string?, CancellationToken>((r, _, _) => _run = r)
            .ReturnsAsync("etag-2");
        _store.Setup(s => s.GetSyncAsync("orders", It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<SyncDefinition>(sync, "s"));
        _store.Setup(s => s.GetDestinationAsync("dest", It.IsAny<CancellationToken>())).ReturnsAsync(new Versioned<DestinationDefinition>(destination, "d"));
        _store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync("st");
        _store.Setup(s => s.SaveBatchesAsync(RunId, It.IsAny<IReadOnlyList<BatchRecord>>(), It.IsAny<CancellationToken>()))
            .Callback<string, IReadOnlyList<BatchRecord>, CancellationToken>((_, b, _) => _savedBatches.AddRange(b))
            .Returns(Task.CompletedTask);
        _registry.Setup(r => r.Resolve("test")).Returns(_connector.Object);
        _connector.Setup(c => c.Describe(destination)).Returns(new DestinationCapabilities(100, [KeyKind.UserId, KeyKind.Alias], []));
        _connector.Setup(c => c.EnsureContainerAsync(destination, It.IsAny<ContainerRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync("list-1");
    }

    [Fact]
    public async Task RunAsync_NewCohort_StoresBatchesAndReturnsCountsOnly()
    {
        // Arrange
        Members(
            ["u1", null, "one@example.com"],
            [null, "a2", null],
            ["u1", null, "dup@example.com"],
            [null, null, "nobody@example.com"],
            ["u3", "a3", null]);

        // Act
        var plan = await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.Incremental), CancellationToken.None);

        // Assert
        Assert.Equal(5, plan.Members);
        Assert.Equal(1, plan.Duplicates);
        Assert.Equal(1, plan.Unmatched);
        Assert.Equal(new Dictionary<string, int> { ["no value for user_id, amp_id"] = 1 }, plan.SkipReasons);
        Assert.Equal(3, plan.Adds);
        Assert.Equal(0, plan.Removes);
        Assert.Equal(2, plan.BatchCount);
        Assert.Equal("list-1", plan.ContainerId);
        Assert.Equal(["a:amplitude_id:a2", "u::u1", "u::u3"], _savedBatches.SelectMany(b => b.Changes).Select(c => c.Entry.Key).Order(StringComparer.Ordinal));
        Assert.Equal("email=one@example.com", _savedBatches.SelectMany(b => b.Changes).Single(c => c.Entry.Key == "u::u1").Entry.Payload);
        Assert.Equal([0, 1], _savedBatches.Select(b => b.Number));
        Assert.Equal(RunStatus.Sending, _run.Status);
        Assert.Equal(plan, _run.Plan);
    }

    [Fact]
    public async Task RunAsync_MoreChangesThanAreHeldAtOnce_StoresBatchesAsTheyComeEveryChangeOnceInOrder()
    {
        // Arrange: 70,001 new members (more than Prepare holds as strings before storing batches) in batches of 2.
        Members([.. Enumerable.Range(0, 70_001).Select(i => new[] { $"u{i}", null, $"u{i}@example.com" })]);
        var saves = 0;
        _store.Setup(s => s.SaveBatchesAsync(RunId, It.IsAny<IReadOnlyList<BatchRecord>>(), It.IsAny<CancellationToken>()))
            .Callback<string, IReadOnlyList<BatchRecord>, CancellationToken>((_, b, _) =>
            {
                saves++;
                _savedBatches.AddRange(b);
            })
            .Returns(Task.CompletedTask);

        // Act
        var plan = await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.Incremental), CancellationToken.None);

        // Assert
        var changes = _savedBatches.SelectMany(b => b.Changes).ToList();
        Assert.True(saves > 1, $"expected batches stored as they came, in several saves; got {saves}");
        Assert.Equal(70_001, plan.Adds);
        Assert.Equal(35_001, plan.BatchCount);
        Assert.Equal(Enumerable.Range(0, plan.BatchCount), _savedBatches.Select(b => b.Number));
        Assert.Equal(Enumerable.Repeat(2, 35_000).Append(1), _savedBatches.Select(b => b.Changes.Count));
        Assert.Equal(70_001, changes.Select(c => c.Entry.Key).Distinct(StringComparer.Ordinal).Count());
        for (var i = 1; i < changes.Count; i++)
        {
            Assert.True(SnapshotEntry.Compare(changes[i - 1].Entry, changes[i].Entry) < 0, $"changes {i - 1} and {i} are out of order");
        }
    }

    [Fact]
    public async Task RunAsync_DryRun_CountsButStoresNothing()
    {
        // Arrange
        Members(["u1", null, null], ["u2", null, null]);

        // Act
        var plan = await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.DryRun), CancellationToken.None);

        // Assert
        Assert.Equal(2, plan.Adds);
        Assert.Equal(0, plan.BatchCount);
        _store.Verify(s => s.SaveBatchesAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<BatchRecord>>(), It.IsAny<CancellationToken>()), Times.Never);
        _connector.Verify(c => c.EnsureContainerAsync(It.IsAny<DestinationDefinition>(), It.IsAny<ContainerRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(KeyKind.UserId)]
    [InlineData(KeyKind.Alias)]
    public async Task RunAsync_KeyAtTheLengthCap_EveryStoredKeyFitsTheSnapshotCodec(KeyKind kind)
    {
        // Arrange: the longest identifier Prepare lets through (MaxFieldBytes - 8 bytes). Stored batches are encoded with
        // SnapshotCodec, which refuses keys longer than MaxFieldBytes, and the stored key is the encoded one
        // ("a:amplitude_id:" is 15 bytes of prefix for an alias).
        var value = new string('v', SnapshotCodec.MaxFieldBytes - 8);
        Members(kind == KeyKind.UserId ? [value, null, null] : [null, value, null], ["u2", null, null]);

        // Act
        await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.Incremental), CancellationToken.None);

        // Assert
        var longest = _savedBatches.SelectMany(b => b.Changes).Max(c => Encoding.UTF8.GetByteCount(c.Entry.Key));
        Assert.True(longest <= SnapshotCodec.MaxFieldBytes, $"a stored key is {longest} bytes, over the codec's {SnapshotCodec.MaxFieldBytes}");
        var encoding = Record.Exception(() => _savedBatches.ForEach(b => SnapshotCodec.Encode(b.Changes)));
        Assert.Null(encoding?.Message);
    }

    [Fact]
    public async Task RunAsync_IdentifierOverTheLengthCap_CountedInvalidAndNotStored()
    {
        // Arrange
        Members([new string('v', SnapshotCodec.MaxFieldBytes), null, null], ["u2", null, null]);

        // Act
        var plan = await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.Incremental), CancellationToken.None);

        // Assert
        Assert.Equal(1, plan.Invalid);
        Assert.Equal(1, plan.Adds);
        Assert.Equal("u::u2", Assert.Single(_savedBatches.SelectMany(b => b.Changes)).Entry.Key);
    }

    [Theory]
    [InlineData(3, new[] { 2, 1 })]                       // fewer batches than parallel sends: cut by the batch size
    [InlineData(8, new[] { 2, 2, 2, 2 })]
    [InlineData(15, new[] { 2, 2, 2, 2, 2, 2, 2, 1 })]
    [InlineData(17, new[] { 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })] // 9 batches of 2 would leave a last wave of one: 16, evened out
    [InlineData(33, new[] { 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })]
    public async Task RunAsync_MoreBatchesThanParallelSends_MakesFullWavesOfEvenBatches(int members, int[] expectedSizes)
    {
        // Arrange: batch size 2, eight sends at once.
        Members(Enumerable.Range(0, members).Select(i => new string?[] { "u" + i, null, null }).ToArray());

        // Act
        var plan = await CreateActivity().RunAsync(new RunInput(RunId, "orders", RunMode.Incremental), CancellationToken.None);

        // Assert
        Assert.Equal(expectedSizes, _savedBatches.Select(b => b.Changes.Count));
        Assert.Equal(expectedSizes.Length, plan.BatchCount);
        Assert.Equal(members, _savedBatches.SelectMany(b => b.Changes).Select(c => c.Entry.Key).Distinct().Count());
    }

    private void Members(params string?[][] rows)
    {
        var records = rows.Select((values, i) => new MemberRecord(Schema, values, i + 2)).ToList();
        _sources.Setup(s => s.OpenAsync(It.IsAny<SourceDefinition>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<ExportTicket?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new RecordsMemberReader(records, Schema));
    }

    private PrepareRunActivity CreateActivity()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 11, 0, 5, TimeSpan.Zero));
        var runs = new RunRecords(_store.Object, time);
        return new PrepareRunActivity(
            _store.Object,
            new BaselineRepository(_snapshots.Object),
            _sources.Object,
            _registry.Object,
            runs,
            NullLogger<PrepareRunActivity>.Instance);
    }
}
