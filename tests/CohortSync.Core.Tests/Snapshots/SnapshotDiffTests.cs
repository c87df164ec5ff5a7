using CohortSync.Core.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class SnapshotDiffTests
{
    private const int Cases = 3_000;
    private static readonly string?[] Payloads = [null, string.Empty, "email=a@example.com", "email=b@example.com"];

    [Fact]
    public void Compute_RandomOverlappingSets_EqualsNaiveSetDifference()
    {
        // Arrange
        var random = new Random(2024);

        for (var n = 0; n < Cases; n++)
        {
            var baseline = RandomMembers(random);
            var current = RandomMembers(random);

            // Act
            var changes = SnapshotDiff.Compute(Build(baseline), Build(current)).ToList();

            // Assert
            Assert.Equal(NaiveDiff(baseline, current, full: false), changes);
        }
    }

    [Fact]
    public void Compute_FullMode_ReAddsEveryCurrentMemberAndRemovesTheDeparted()
    {
        // Arrange
        var random = new Random(77);

        for (var n = 0; n < Cases; n++)
        {
            var baseline = RandomMembers(random);
            var current = RandomMembers(random);

            // Act
            var changes = SnapshotDiff.Compute(Build(baseline), Build(current), full: true).ToList();

            // Assert
            Assert.Equal(NaiveDiff(baseline, current, full: true), changes);
            Assert.Equal(current.Count, changes.Count(c => c.Kind == ChangeKind.Add));
            Assert.DoesNotContain(changes, c => c.Kind == ChangeKind.Update);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Apply_DiffOnBaseline_ReproducesCurrentExactly(bool full)
    {
        // Arrange
        var random = new Random(full ? 5 : 6);

        for (var n = 0; n < Cases; n++)
        {
            var baseline = Build(RandomMembers(random));
            var current = Build(RandomMembers(random));

            // Act
            var rebuilt = baseline.Apply(SnapshotDiff.Compute(baseline, current, full).ToList());

            // Assert
            Assert.Equal(current.Enumerate(), rebuilt.Enumerate());
        }
    }

    [Fact]
    public void Apply_DiffOfLargeRandomSnapshots_ReproducesCurrentExactly()
    {
        // Arrange: 20k members, a fifth leave, a fifth join, a tenth change payload.
        var random = new Random(99);
        var baselineMembers = Enumerable.Range(0, 20_000).ToDictionary(i => $"u::{i}", i => (string?)$"email={i}@example.com");
        var currentMembers = baselineMembers.Where(_ => random.Next(5) != 0).ToDictionary(p => p.Key, p => random.Next(10) == 0 ? "email=new@example.com" : p.Value);
        for (var i = 20_000; i < 24_000; i++)
        {
            currentMembers[$"u::{i}"] = null;
        }

        var baseline = Build(baselineMembers);
        var current = Build(currentMembers);

        // Act
        var changes = SnapshotDiff.Compute(baseline, current).ToList();
        var rebuilt = baseline.Apply(changes);

        // Assert
        Assert.Equal(NaiveDiff(baselineMembers, currentMembers, full: false), changes);
        Assert.Equal(current.Enumerate(), rebuilt.Enumerate());
    }

    [Fact]
    public void Compute_Changes_ComeInStrictSnapshotOrder()
    {
        // Arrange
        var random = new Random(31);
        var baseline = SnapshotTestData.RandomSnapshot(random, 5_000);
        var current = SnapshotTestData.Build(baseline.Enumerate().Where(_ => random.Next(3) != 0).Select(e => (e.Key, random.Next(4) == 0 ? "changed" : e.Payload))
            .Concat(Enumerable.Range(0, 2_000).Select(i => ($"e::new-{i}", (string?)null))));

        // Act
        var changes = SnapshotDiff.Compute(baseline, current).ToList();

        // Assert
        Assert.NotEmpty(changes);
        for (var i = 1; i < changes.Count; i++)
        {
            Assert.True(SnapshotEntry.Compare(changes[i - 1].Entry, changes[i].Entry) < 0, $"changes {i - 1} and {i} are out of order");
        }
    }

    [Fact]
    public void Compute_MemberLeaves_RemoveCarriesTheBaselinePayload()
    {
        // Arrange
        var baseline = SnapshotTestData.Build([("u::1", "email=old@example.com"), ("u::2", "email=two@example.com")]);
        var current = SnapshotTestData.Build([("u::2", "email=two@example.com")]);

        // Act
        var changes = SnapshotDiff.Compute(baseline, current).ToList();

        // Assert
        var remove = Assert.Single(changes);
        Assert.Equal(new SnapshotChange(ChangeKind.Remove, SnapshotEntry.Create("u::1", "email=old@example.com")), remove);
    }

    [Fact]
    public void Compute_PayloadChangesBetweenNullAndEmpty_IsAnUpdate()
    {
        // Arrange
        var baseline = SnapshotTestData.Build([("u::1", null), ("u::2", string.Empty)]);
        var current = SnapshotTestData.Build([("u::1", string.Empty), ("u::2", string.Empty)]);

        // Act
        var changes = SnapshotDiff.Compute(baseline, current).ToList();

        // Assert
        Assert.Equal([new SnapshotChange(ChangeKind.Update, SnapshotEntry.Create("u::1", string.Empty))], changes);
    }

    [Fact]
    public void Compute_SameSnapshot_NoChanges()
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(8), 1_000);

        // Act
        var changes = SnapshotDiff.Compute(snapshot, snapshot).ToList();

        // Assert
        Assert.Empty(changes);
    }

    [Fact]
    public void Count_RandomSets_MatchesComputedChanges()
    {
        // Arrange
        var random = new Random(13);

        for (var n = 0; n < 500; n++)
        {
            var baseline = Build(RandomMembers(random));
            var current = Build(RandomMembers(random));
            var changes = SnapshotDiff.Compute(baseline, current).ToList();

            // Act
            var counts = SnapshotDiff.Count(baseline, current);

            // Assert
            Assert.Equal(changes.Count(c => c.Kind == ChangeKind.Add), counts.Adds);
            Assert.Equal(changes.Count(c => c.Kind == ChangeKind.Remove), counts.Removes);
            Assert.Equal(changes.Count(c => c.Kind == ChangeKind.Update), counts.Updates);
            Assert.Equal(changes.Count, counts.Total);
        }
    }

    // A small key universe, so baselines and currents overlap and payloads collide often.
    private static Dictionary<string, string?> RandomMembers(Random random)
    {
        var members = new Dictionary<string, string?>(StringComparer.Ordinal);
        var size = random.Next(0, 16);
        for (var i = 0; i < size; i++)
        {
            members[$"u::{random.Next(24)}"] = Payloads[random.Next(Payloads.Length)];
        }

        return members;
    }

    private static Snapshot Build(Dictionary<string, string?> members) =>
        SnapshotTestData.Build(members.Select(m => (m.Key, m.Value)));

    // The diff by dictionary lookups, sorted into snapshot order.
    private static List<SnapshotChange> NaiveDiff(Dictionary<string, string?> baseline, Dictionary<string, string?> current, bool full)
    {
        var changes = new List<SnapshotChange>();
        foreach (var (key, payload) in baseline)
        {
            if (!current.ContainsKey(key))
            {
                changes.Add(new SnapshotChange(ChangeKind.Remove, SnapshotEntry.Create(key, payload)));
            }
        }

        foreach (var (key, payload) in current)
        {
            if (full || !baseline.TryGetValue(key, out var before))
            {
                changes.Add(new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create(key, payload)));
            }
            else if (!string.Equals(before, payload, StringComparison.Ordinal))
            {
                changes.Add(new SnapshotChange(ChangeKind.Update, SnapshotEntry.Create(key, payload)));
            }
        }

        changes.Sort((a, b) => SnapshotEntry.Compare(a.Entry, b.Entry));
        return changes;
    }
}
