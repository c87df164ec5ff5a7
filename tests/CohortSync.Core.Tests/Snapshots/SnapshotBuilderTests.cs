using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class SnapshotBuilderTests
{
    [Fact]
    public void BuildPacked_DuplicateKeys_DroppedAndCounted()
    {
        // Arrange
        var builder = new SnapshotBuilder();
        foreach (var key in new[] { "u::a", "u::b", "u::a", "u::c", "u::a", "u::b" })
        {
            builder.Add(key, null);
        }

        // Act
        var snapshot = builder.BuildPacked();

        // Assert
        Assert.Equal(6, builder.Added);
        Assert.Equal(3, builder.Duplicates);
        Assert.Equal(3, snapshot.Count);
        Assert.Equal(["u::a", "u::b", "u::c"], snapshot.Enumerate().Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BuildPacked_DuplicateKeysWithDifferentPayloads_FirstAddedPayloadWins()
    {
        // Arrange: many duplicates in random order, so the unstable sort has to be undone by the sequence numbers.
        var random = new Random(17);
        var builder = new SnapshotBuilder(16);
        var first = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            var key = $"u::{random.Next(500)}";
            var payload = $"email={i}@example.com";
            first.TryAdd(key, payload);
            builder.Add(key, payload);
        }

        // Act
        var snapshot = builder.BuildPacked();

        // Assert
        Assert.Equal(first.Count, snapshot.Count);
        Assert.Equal(20_000 - first.Count, builder.Duplicates);
        Assert.All(snapshot.Enumerate(), e => Assert.Equal(first[e.Key], e.Payload));
    }

    [Fact]
    public void BuildPacked_FirstAddedPayloadIsNull_NullWins()
    {
        // Arrange
        var builder = new SnapshotBuilder();
        builder.Add("u::a", null);
        builder.Add("u::a", "email=later@example.com");

        // Act
        var snapshot = builder.BuildPacked();

        // Assert
        Assert.Null(Assert.Single(snapshot.Enumerate()).Payload);
    }

    [Fact]
    public void BuildPacked_MembersInAnyOrder_StrictlySortedByHashThenKey()
    {
        // Arrange
        var random = new Random(23);
        var builder = new SnapshotBuilder(16);
        for (var i = 0; i < 5_000; i++)
        {
            builder.Add($"u::{random.Next(3_000)}", null);
        }

        // Act
        var entries = builder.BuildPacked().Enumerate().ToList();

        // Assert
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.True(SnapshotEntry.Compare(entries[i - 1], entries[i]) < 0, $"entries {i - 1} and {i} are out of order");
        }

        Assert.All(entries, e => Assert.Equal(KeyHasher.Hash(e.Key), e.Hash));
    }

    [Fact]
    public void BuildPacked_MoreMembersThanCapacity_KeepsThemAll()
    {
        // Arrange
        var builder = new SnapshotBuilder(capacity: 1);
        for (var i = 0; i < 1_000; i++)
        {
            builder.Add($"u::{i}", $"n={i}");
        }

        // Act
        var snapshot = builder.BuildPacked().ToSnapshot();

        // Assert
        Assert.Equal(1_000, snapshot.Count);
        Assert.Equal(0, builder.Duplicates);
        Assert.All(Enumerable.Range(0, 1_000), i => Assert.Equal($"n={i}", snapshot.Find($"u::{i}")?.Payload));
    }

    [Fact]
    public void BuildPacked_NoMembers_EmptySnapshot()
    {
        // Arrange
        var builder = new SnapshotBuilder();

        // Act
        var snapshot = builder.BuildPacked().ToSnapshot();

        // Assert
        Assert.Equal(0, snapshot.Count);
        Assert.Equal(0, builder.Duplicates);
        Assert.Null(snapshot.Find("u::a"));
    }

    [Fact]
    public void SortByHash_LargeInput_SortsHashesAndCarriesEachReferenceWithItsHash()
    {
        // Arrange: above the size where the ranges are sorted in parallel; hashes crowd one top byte and repeat.
        const int Count = 300_000;
        var random = new Random(42);
        var hashes = new ulong[Count + 7];
        var references = new long[Count + 7];
        for (var i = 0; i < Count; i++)
        {
            hashes[i] = i % 5 == 0 ? 0x7F00_0000_0000_0000UL + (uint)random.Next(1000) : (ulong)random.NextInt64();
            references[i] = unchecked((long)(hashes[i] * 31)) ^ (long)i;
        }

        var expected = hashes.Take(Count).Zip(references).OrderBy(p => p.First).ThenBy(p => p.Second).ToList();

        // Act
        SnapshotBuilder.SortByHash(hashes, references, Count);

        // Assert: sorted, the same pairs, and nothing past the count touched.
        Assert.True(hashes.AsSpan(0, Count).SequenceEqual(expected.Select(p => p.First).ToArray()));
        Assert.Equal(expected, hashes.Take(Count).Zip(references).OrderBy(p => p.First).ThenBy(p => p.Second));
        Assert.All(hashes.Skip(Count), h => Assert.Equal(0UL, h));
    }
}
