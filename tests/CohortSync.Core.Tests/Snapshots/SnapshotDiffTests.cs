using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

/// <summary>
/// The production diff (<see cref="SnapshotDiff.Compute(SnapshotCursor, PackedSnapshot, bool)"/>: the baseline encoded and
/// streamed by a cursor, the current cohort packed) against the reference model: a dictionary diff of the same members.
/// </summary>
public sealed class SnapshotDiffTests
{
    // Each case encodes its baseline and streams it, as production does: 1,000 cases over a 24-key universe still meet
    // every overlap of adds, removes, updates and null or empty payloads many times.
    private const int Cases = 1_000;
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
            var changes = Diff(Build(baseline), Build(current));

            // Assert
            Assert.Equal(ReferenceDiff.Compute(Build(baseline), Build(current)), changes);
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
            var changes = Diff(Build(baseline), Build(current), full: true);

            // Assert
            Assert.Equal(ReferenceDiff.Compute(Build(baseline), Build(current), full: true), changes);
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
            var rebuilt = baseline.Apply(Diff(baseline, current, full));

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
        var changes = Diff(baseline, current);
        var rebuilt = baseline.Apply(changes);

        // Assert
        Assert.Equal(ReferenceDiff.Compute(baseline, current), changes);
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
        var changes = Diff(baseline, current);

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
        var changes = Diff(baseline, current);

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
        var changes = Diff(baseline, current);

        // Assert
        Assert.Equal([new SnapshotChange(ChangeKind.Update, SnapshotEntry.Create("u::1", string.Empty))], changes);
    }

    [Fact]
    public void Compute_SameSnapshot_NoChanges()
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(8), 1_000);

        // Act
        var changes = Diff(snapshot, snapshot);

        // Assert
        Assert.Empty(changes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_CountOnly_MatchesTheReferenceChangesAndReadsTheWholeBaseline(bool full)
    {
        // Arrange
        var random = new Random(full ? 14 : 13);

        for (var n = 0; n < 500; n++)
        {
            var baseline = Build(RandomMembers(random));
            var current = Build(RandomMembers(random));
            var expected = ReferenceDiff.Count(baseline, current, full);
            using var cursor = baseline.Open();

            // Act
            var counts = SnapshotDiff.Compute(cursor, current.Pack(), full, changes: null);

            // Assert
            Assert.Equal(expected, counts);
            Assert.Equal(baseline.Count, cursor.Yielded);
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

    // The diff production runs, of the same members.
    private static List<SnapshotChange> Diff(Snapshot baseline, Snapshot current, bool full = false) =>
        SnapshotReference.StreamedDiff(baseline, current, full);
}
