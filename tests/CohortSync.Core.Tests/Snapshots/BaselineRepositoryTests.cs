using System.Globalization;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class BaselineRepositoryTests
{
    private const string SyncId = "orders";
    private readonly MemorySnapshotStore _store = new();
    private readonly BaselineRepository _baselines;

    public BaselineRepositoryTests() => _baselines = new BaselineRepository(_store);

    [Fact]
    public async Task CommitAsync_ManyRunsOfChurn_BaselineAlwaysEqualsTheModelThroughDeltasAndCompactions()
    {
        // Arrange: 2,000 members, then 30 runs of about 5% churn and a few payload changes: deltas accumulate until a quarter
        // of the base, then a commit compacts them into a new base.
        var random = new Random(21);
        var model = Enumerable.Range(0, 2_000).ToDictionary(i => $"u::{i}", i => (string?)$"email={i}@example.com", StringComparer.Ordinal);
        var next = 2_000;
        var baseline = Snapshot.Empty;
        var compactions = 0;
        for (var run = 0; run < 30; run++)
        {
            if (run > 0)
            {
                foreach (var key in model.Keys.Where(_ => random.Next(40) == 0).ToList())
                {
                    model.Remove(key);
                }

                for (var i = 0; i < 50; i++, next++)
                {
                    model[$"u::{next}"] = $"email={next}@example.com";
                }

                foreach (var key in model.Keys.Where(_ => random.Next(200) == 0).ToList())
                {
                    model[key] = "email=changed@example.com";
                }
            }

            var current = SnapshotTestData.Build(model.Select(p => (p.Key, p.Value)));
            var changes = ReferenceDiff.Compute(baseline, current);

            // Act
            var count = (await _baselines.CommitAsync(SyncId, "run-" + run.ToString(CultureInfo.InvariantCulture), changes, exactDelta: run > 0)).Members;

            // Assert
            Assert.Equal(model.Count, count);
            baseline = await _baselines.LoadAsync(SyncId);
            Assert.Equal(current.Enumerate(), baseline.Enumerate());
            var manifest = (await _store.GetManifestAsync(SyncId))!.Value;
            Assert.Equal(model.Count, manifest.MemberCount);
            compactions += manifest.Deltas.Count == 0 && run > 0 ? 1 : 0;
        }

        // About 110 changed records a run: the deltas pass 1,000 records (more than a quarter of the ~2,000 members) every
        // ninth or tenth run, so 29 incremental runs compact 3 times (the seed fixes the churn).
        Assert.Equal(3, compactions);

        // Compactions deleted the segments they replaced: only the base and the current deltas are stored.
        Assert.Equal(1 + (await _store.GetManifestAsync(SyncId))!.Value.Deltas.Count, _store.SegmentCount(SyncId));
    }

    [Fact]
    public async Task CommitAsync_FullRunRepeatingMembers_CountsMembersNotAdds()
    {
        // Arrange: a baseline of 100, then a full run re-adding all 100 and 20 new (120 adds, 100 of them already there).
        var first = SnapshotTestData.Build(Enumerable.Range(0, 100).Select(i => ($"u::{i}", (string?)null)));
        await _baselines.CommitAsync(SyncId, "run-1", ReferenceDiff.Compute(Snapshot.Empty, first).ToList());
        var second = SnapshotTestData.Build(Enumerable.Range(0, 120).Select(i => ($"u::{i}", (string?)null)));
        var changes = ReferenceDiff.Compute(first, second, full: true);

        // Act
        var count = (await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: false)).Members;

        // Assert
        Assert.Equal(120, changes.Count);
        Assert.Equal(120, count);
        Assert.Equal(second.Enumerate(), (await _baselines.LoadAsync(SyncId)).Enumerate());
    }

    [Fact]
    public async Task CommitAsync_SameRunTwice_AppliesOnce()
    {
        // Arrange
        var first = SnapshotTestData.Build(Enumerable.Range(0, 10).Select(i => ($"u::{i}", (string?)null)));
        await _baselines.CommitAsync(SyncId, "run-1", ReferenceDiff.Compute(Snapshot.Empty, first).ToList());
        var changes = new List<SnapshotChange> { new(ChangeKind.Add, SnapshotEntry.Create("u::new", null)) };
        await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: true);

        // Act
        var count = (await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: true)).Members;

        // Assert
        Assert.Equal(11, count);
        Assert.Equal(11, (await _baselines.LoadAsync(SyncId)).Count);
    }

    [Fact]
    public async Task ContainsAsync_KeysInAndOutOfTheBaseline_AnswersWithoutLoadingIt()
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(4), 3_000);
        await _baselines.CommitAsync(SyncId, "run-1", ReferenceDiff.Compute(Snapshot.Empty, snapshot).ToList());
        var removed = snapshot.Enumerate().Skip(10).First();
        await _baselines.CommitAsync(SyncId, "run-2", [new SnapshotChange(ChangeKind.Remove, removed)], exactDelta: true);

        // Act
        var present = await Task.WhenAll(snapshot.Enumerate().Take(50).Where(e => e.Key != removed.Key).Select(e => _baselines.ContainsAsync(SyncId, e.Key)));
        var gone = await _baselines.ContainsAsync(SyncId, removed.Key);
        var never = await _baselines.ContainsAsync(SyncId, "u::never-a-member");
        var otherSync = await _baselines.ContainsAsync("other", snapshot.Enumerate().First().Key);

        // Assert
        Assert.All(present, Assert.True);
        Assert.False(gone);
        Assert.False(never);
        Assert.False(otherSync);
    }

    [Fact]
    public async Task ReadAsync_NoBaseline_StreamsNothing()
    {
        // Act
        var stored = await _baselines.ReadAsync("never-ran");
        using var cursor = stored.Open();

        // Assert
        Assert.Equal(0, stored.MemberCount);
        Assert.False(cursor.MoveNext());
    }

    [Fact]
    public async Task CommitAsync_RunsThatFailPartway_TheFirstCleanRunLeavesTheDestinationHoldingExactlyTheCohort()
    {
        // Arrange: a destination modelled as the set it holds. Runs of random churn; in a failing run each change either
        // settles, lands without its answer arriving, or never lands, and some adds are refused. Members come and go
        // between runs, including members whose delivery is uncertain.
        var random = new Random(5);
        var cohort = new Dictionary<string, string?>(StringComparer.Ordinal);
        var held = new HashSet<string>(StringComparer.Ordinal);
        var next = 0;
        var checkedRuns = 0;
        for (var run = 0; run < 120; run++)
        {
            foreach (var key in cohort.Keys.Where(_ => random.Next(6) == 0).ToList())
            {
                cohort.Remove(key);
            }

            for (var i = random.Next(40); i > 0; i--)
            {
                // Some keys come back after they left.
                var id = random.Next(3) == 0 && next > 0 ? random.Next(next) : next++;
                cohort[$"u::{id}"] = SnapshotTestData.RandomPayload(random);
            }

            var clean = run % 4 == 3;
            var changes = new List<SnapshotChange>();
            using (var cursor = (await _baselines.ReadAsync(SyncId)).Open())
            {
                SnapshotDiff.Compute(cursor, SnapshotTestData.Packed(cohort.Select(p => (p.Key, p.Value))), full: random.Next(10) == 0, changes);
            }

            var writer = new ChangeSetWriter();
            foreach (var change in changes)
            {
                var fate = clean ? 0 : random.Next(10);
                var refused = fate == 9 && change.Kind == ChangeKind.Add;
                var landed = !refused && fate < 7;
                if (landed && change.Kind == ChangeKind.Remove)
                {
                    held.Remove(change.Entry.Key);
                }
                else if (landed)
                {
                    held.Add(change.Entry.Key);
                }

                if (fate < 4)
                {
                    writer.Add(change);
                }
                else if (!refused)
                {
                    writer.AddUncertain(change);
                }
            }

            // Act
            var size = await _baselines.CommitAsync(SyncId, "run-" + run.ToString(CultureInfo.InvariantCulture), writer.Finish(), exactDelta: true);

            // Assert: a run with no failures leaves the destination exactly equal to the cohort, and nothing uncertain.
            if (clean)
            {
                Assert.Equal(cohort.Keys.ToHashSet(StringComparer.Ordinal), held);
                Assert.Equal(new BaselineSize(cohort.Count, 0), size);
                checkedRuns++;
            }
            else
            {
                Assert.Equal(size.Members + size.Uncertain, (await _baselines.LoadAsync(SyncId)).Count);
            }
        }

        Assert.Equal(30, checkedRuns);
    }

    [Fact]
    public async Task CommitAsync_UncertainMembers_AreCountedAndSurviveCompaction()
    {
        // Arrange: 2,000 members; a run whose 10 adds and 5 removes did not settle.
        var members = Enumerable.Range(0, 2_000).Select(i => ($"u::{i}", (string?)null)).ToList();
        await _baselines.CommitAsync(SyncId, "run-1", ReferenceDiff.Compute(Snapshot.Empty, SnapshotTestData.Build(members)).ToList());
        var stored = SnapshotTestData.Build(members).Enumerate().ToList();
        var unsettled = Enumerable.Range(5_000, 10).Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i}", null)))
            .Concat(stored.Take(5).Select(e => new SnapshotChange(ChangeKind.Remove, e)))
            .OrderBy(c => c.Entry, Comparer<SnapshotEntry>.Create((a, b) => SnapshotEntry.Compare(a, b)))
            .ToList();
        var writer = new ChangeSetWriter();
        unsettled.ForEach(c => writer.AddUncertain(c));

        // Act
        var afterFailure = await _baselines.CommitAsync(SyncId, "run-2", writer.Finish(), exactDelta: true);
        var compacted = await _baselines.CommitAsync(
            SyncId, "run-3", stored.Skip(100).Take(1_100).Select(e => new SnapshotChange(ChangeKind.Remove, e)).ToList(), exactDelta: true);

        // Assert: 1,995 held and 15 uncertain; after a compaction that removed 1,100 held members, still 15 uncertain.
        Assert.Equal(new BaselineSize(1_995, 15), afterFailure);
        Assert.Equal(new BaselineSize(895, 15), compacted);
        Assert.Equal(1, _store.SegmentCount(SyncId));
        using var cursor = (await _baselines.ReadAsync(SyncId)).Open();
        var uncertain = new List<string>();
        while (cursor.MoveNext())
        {
            if (cursor.Kind == ChangeKind.Uncertain)
            {
                uncertain.Add(cursor.ToEntry().Key);
            }
        }

        Assert.Equal(unsettled.Select(c => c.Entry.Key).Order(StringComparer.Ordinal), uncertain.Order(StringComparer.Ordinal));
    }

    private sealed class MemorySnapshotStore : ISnapshotStore
    {
        private readonly Dictionary<string, Versioned<SnapshotManifest>> _manifests = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, string), IReadOnlyList<byte[]>> _segments = [];
        private int _version;

        public int SegmentCount(string syncId) => _segments.Keys.Count(k => k.Item1 == syncId);

        public Task<Versioned<SnapshotManifest>?> GetManifestAsync(string syncId, CancellationToken cancellationToken = default) =>
            Task.FromResult(_manifests.GetValueOrDefault(syncId));

        public Task SaveManifestAsync(SnapshotManifest manifest, string? etag, CancellationToken cancellationToken = default)
        {
            var existing = _manifests.GetValueOrDefault(manifest.SyncId);
            if (existing?.ETag != etag)
            {
                throw new Errors.ConcurrencyException("stale manifest");
            }

            _manifests[manifest.SyncId] = new Versioned<SnapshotManifest>(manifest, (++_version).ToString(CultureInfo.InvariantCulture));
            return Task.CompletedTask;
        }

        public Task WriteSegmentAsync(string syncId, string segmentId, IReadOnlyList<byte[]> chunks, CancellationToken cancellationToken = default)
        {
            Assert.All(chunks, c => Assert.InRange(c.Length, 1, SnapshotCodec.MaxChunkBytes));
            _segments[(syncId, segmentId)] = chunks;
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<byte[]>> ReadSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default) =>
            Task.FromResult(_segments.GetValueOrDefault((syncId, segmentId)) ?? []);

        public Task DeleteSegmentAsync(string syncId, string segmentId, CancellationToken cancellationToken = default)
        {
            _segments.Remove((syncId, segmentId));
            return Task.CompletedTask;
        }
    }
}
