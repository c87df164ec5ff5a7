using System.Globalization;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

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
            var changes = SnapshotDiff.Compute(baseline, current).ToList();

            // Act
            var count = await _baselines.CommitAsync(SyncId, "run-" + run.ToString(CultureInfo.InvariantCulture), changes, exactDelta: run > 0);

            // Assert
            Assert.Equal(model.Count, count);
            baseline = await _baselines.LoadAsync(SyncId);
            Assert.Equal(current.Enumerate(), baseline.Enumerate());
            var manifest = (await _store.GetManifestAsync(SyncId))!.Value;
            Assert.Equal(model.Count, manifest.MemberCount);
            compactions += manifest.Deltas.Count == 0 && run > 0 ? 1 : 0;
        }

        Assert.InRange(compactions, 1, 29);

        // Compactions deleted the segments they replaced: only the base and the current deltas are stored.
        Assert.Equal(1 + (await _store.GetManifestAsync(SyncId))!.Value.Deltas.Count, _store.SegmentCount(SyncId));
    }

    [Fact]
    public async Task CommitAsync_FullRunRepeatingMembers_CountsMembersNotAdds()
    {
        // Arrange: a baseline of 100, then a full run re-adding all 100 and 20 new (120 adds, 100 of them already there).
        var first = SnapshotTestData.Build(Enumerable.Range(0, 100).Select(i => ($"u::{i}", (string?)null)));
        await _baselines.CommitAsync(SyncId, "run-1", SnapshotDiff.Compute(Snapshot.Empty, first).ToList());
        var second = SnapshotTestData.Build(Enumerable.Range(0, 120).Select(i => ($"u::{i}", (string?)null)));
        var changes = SnapshotDiff.Compute(first, second, full: true).ToList();

        // Act
        var count = await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: false);

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
        await _baselines.CommitAsync(SyncId, "run-1", SnapshotDiff.Compute(Snapshot.Empty, first).ToList());
        var changes = new List<SnapshotChange> { new(ChangeKind.Add, SnapshotEntry.Create("u::new", null)) };
        await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: true);

        // Act
        var count = await _baselines.CommitAsync(SyncId, "run-2", changes, exactDelta: true);

        // Assert
        Assert.Equal(11, count);
        Assert.Equal(11, (await _baselines.LoadAsync(SyncId)).Count);
    }

    [Fact]
    public async Task ContainsAsync_KeysInAndOutOfTheBaseline_AnswersWithoutLoadingIt()
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(4), 3_000);
        await _baselines.CommitAsync(SyncId, "run-1", SnapshotDiff.Compute(Snapshot.Empty, snapshot).ToList());
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
