using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class SnapshotTests
{
    [Fact]
    public void Find_EveryMemberOfARandomSnapshot_FindsItsEntry()
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(41), 3_000);

        // Act
        var found = snapshot.Enumerate().Select(e => snapshot.Find(e.Key)).ToList();

        // Assert
        Assert.Equal(snapshot.Enumerate().Select(e => (SnapshotEntry?)e), found);
    }

    [Theory]
    [InlineData("u::missing")]
    [InlineData("")]
    [InlineData("U::a")]
    public void Find_KeyNotInSnapshot_ReturnsNull(string key)
    {
        // Arrange
        var snapshot = SnapshotTestData.Build([("u::a", "p"), ("u::b", null), ("u::c", string.Empty)]);

        // Act
        var found = snapshot.Find(key);

        // Assert
        Assert.Null(found);
    }

    [Fact]
    public void Find_EmptySnapshot_ReturnsNull()
    {
        // Arrange
        var snapshot = Snapshot.Empty;

        // Act
        var found = snapshot.Find("u::a");

        // Assert
        Assert.Null(found);
    }

    [Fact]
    public void FromSorted_SortedEntries_WrapsThem()
    {
        // Arrange
        var entries = SortedEntries("u::a", "u::b", "u::c", "u::d");

        // Act
        var snapshot = Snapshot.FromSorted(entries, entries.Length);

        // Assert
        Assert.Equal(entries, snapshot.Enumerate());
    }

    [Fact]
    public void FromSorted_CountShorterThanArray_UsesOnlyThePrefix()
    {
        // Arrange: the tail is out of order but outside the count.
        var sorted = SortedEntries("u::a", "u::b", "u::c");
        var entries = sorted.Append(sorted[0]).ToArray();

        // Act
        var snapshot = Snapshot.FromSorted(entries, 3);

        // Assert
        Assert.Equal(sorted, snapshot.Enumerate());
    }

    [Fact]
    public void FromSorted_UnorderedEntries_ThrowsInvalidOperationException()
    {
        // Arrange
        var entries = SortedEntries("u::a", "u::b", "u::c");
        (entries[1], entries[2]) = (entries[2], entries[1]);

        // Act
        var ex = Record.Exception(() => Snapshot.FromSorted(entries, entries.Length));

        // Assert
        Assert.IsType<InvalidOperationException>(ex);
        Assert.Contains("position 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSorted_DuplicateKey_ThrowsInvalidOperationException()
    {
        // Arrange
        var sorted = SortedEntries("u::a", "u::b");
        SnapshotEntry[] entries = [sorted[0], sorted[1], sorted[1] with { Payload = "other" }];

        // Act
        var ex = Record.Exception(() => Snapshot.FromSorted(entries, entries.Length));

        // Assert
        Assert.IsType<InvalidOperationException>(ex);
    }

    [Fact]
    public void Apply_ChangesNotStrictlyOrdered_ThrowsInvalidOperationException()
    {
        // Arrange
        var baseline = SnapshotTestData.Build([("u::a", null)]);
        var sorted = SortedEntries("u::b", "u::c");
        SnapshotChange[] changes = [new(ChangeKind.Add, sorted[1]), new(ChangeKind.Add, sorted[0])];

        // Act
        var ex = Record.Exception(() => baseline.Apply(changes));

        // Assert
        Assert.IsType<InvalidOperationException>(ex);
    }

    [Fact]
    public void Apply_RemoveOfAbsentKeyAndUpdateOfPresentKey_PutsAndIgnores()
    {
        // Arrange
        var baseline = SnapshotTestData.Build([("u::a", "old"), ("u::b", null)]);
        var changes = new List<SnapshotChange>
        {
            new(ChangeKind.Update, SnapshotEntry.Create("u::a", "new")),
            new(ChangeKind.Remove, SnapshotEntry.Create("u::gone", null)),
            new(ChangeKind.Add, SnapshotEntry.Create("u::c", "c")),
        };
        changes.Sort((x, y) => SnapshotEntry.Compare(x.Entry, y.Entry));

        // Act
        var result = baseline.Apply(changes);

        // Assert
        Assert.Equal(3, result.Count);
        Assert.Equal("new", result.Find("u::a")?.Payload);
        Assert.Equal(SnapshotEntry.Create("u::b", null), result.Find("u::b"));
        Assert.Equal("c", result.Find("u::c")?.Payload);
        Assert.Null(result.Find("u::gone"));
    }

    private static SnapshotEntry[] SortedEntries(params string[] keys)
    {
        var entries = keys.Select(k => SnapshotEntry.Create(k, null)).ToArray();
        Array.Sort(entries, (a, b) => SnapshotEntry.Compare(a, b));
        return entries;
    }
}
