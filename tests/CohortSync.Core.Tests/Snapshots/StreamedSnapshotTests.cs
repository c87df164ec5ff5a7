using System.Text;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

/// <summary>
/// The streamed planning path (a stored baseline read through <see cref="SnapshotCursor"/>, the new cohort held as a
/// <see cref="PackedSnapshot"/>) must produce exactly what the string path produces.
/// </summary>
public sealed class StreamedSnapshotTests
{
    private const int Cases = 1_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_CursorOverStoredBaselineAndPackedCurrent_EqualsReferenceDiff(bool full)
    {
        // Arrange
        var random = new Random(full ? 41 : 42);
        for (var n = 0; n < Cases; n++)
        {
            var baselineMembers = RandomMembers(random);
            var currentMembers = RandomMembers(random);
            var baseline = SnapshotTestData.Build(baselineMembers);
            var expected = ReferenceDiff.Compute(baseline, SnapshotTestData.Build(currentMembers), full);
            using var cursor = baseline.Open();
            var changes = new List<SnapshotChange>();

            // Act
            var counts = SnapshotDiff.Compute(cursor, SnapshotTestData.Packed(currentMembers), full, changes);

            // Assert
            Assert.Equal(expected, changes);
            Assert.Equal(expected.Count(c => c.Kind == ChangeKind.Add), counts.Adds);
            Assert.Equal(expected.Count(c => c.Kind == ChangeKind.Remove), counts.Removes);
            Assert.Equal(expected.Count(c => c.Kind == ChangeKind.Update), counts.Updates);
            Assert.Equal(baseline.Count, cursor.Yielded);
        }
    }

    [Fact]
    public void Merge_BaseAndDeltas_EqualsApplyingEachDeltaInTurn()
    {
        // Arrange: a base, then five runs each committing the diff to a new random cohort as a delta segment.
        var random = new Random(7);
        for (var n = 0; n < 200; n++)
        {
            var state = SnapshotTestData.Build(RandomMembers(random));
            var segments = new List<IReadOnlyList<byte[]>> { state.Encode() };
            for (var run = 0; run < 5; run++)
            {
                var next = SnapshotTestData.Build(RandomMembers(random));
                var changes = ReferenceDiff.Compute(state, next);
                segments.Add(SnapshotCodec.Encode(changes));
                state = state.Apply(changes);
            }

            // Act
            using var cursor = SnapshotCursor.Merge([.. segments.Select(SnapshotCursor.Over)]);
            var merged = new List<SnapshotEntry>();
            while (cursor.MoveNext())
            {
                Assert.Equal(ChangeKind.Add, cursor.Kind);
                merged.Add(cursor.ToEntry());
            }

            // Assert
            Assert.Equal(state.Enumerate(), merged);
            Assert.Equal(state.Count, cursor.Yielded);
        }
    }

    [Fact]
    public void Over_ManyChunks_StreamsEveryRecordInOrder()
    {
        // Arrange: incompressible keys, so the segment spans many chunks (the cursor inflates the next one ahead).
        var random = new Random(3);
        var snapshot = SnapshotTestData.Build(Enumerable.Range(0, 40_000).Select(i => ("u::" + SnapshotTestData.RandomBase64(random, 24), (string?)$"email={i}@example.com")));
        var chunks = snapshot.Encode();
        Assert.True(chunks.Count > 1, $"expected several chunks, got {chunks.Count}");

        // Act
        using var cursor = SnapshotCursor.Over(chunks);
        var read = new List<SnapshotEntry>();
        while (cursor.MoveNext())
        {
            read.Add(cursor.ToEntry());
        }

        // Assert
        Assert.Equal(snapshot.Enumerate(), read);
    }

    [Fact]
    public void Over_RecordsOutOfOrder_Throws()
    {
        // Arrange: the codec keeps records in the order given, so a reversed snapshot is a validly encoded, badly ordered segment.
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(11), 100);
        var chunks = SnapshotCodec.Encode(snapshot.Enumerate().Reverse().Select(e => new SnapshotChange(ChangeKind.Add, e)));
        using var cursor = SnapshotCursor.Over(chunks);

        // Act
        var ex = Record.Exception(() =>
        {
            while (cursor.MoveNext())
            {
            }
        });

        // Assert
        Assert.IsType<InvalidOperationException>(ex);
        Assert.Contains("not strictly ordered", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Over_TruncatedChunk_ThrowsInvalidDataException(int divisor)
    {
        // Arrange
        var chunk = SnapshotTestData.RandomSnapshot(new Random(5), 2_000).Encode()[0];
        using var cursor = SnapshotCursor.Over([chunk[..(chunk.Length / divisor)]]);

        // Act
        var ex = Record.Exception(() =>
        {
            while (cursor.MoveNext())
            {
            }
        });

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Fact]
    public void NoStoredBaseline_YieldsNothing()
    {
        // Arrange
        using var cursor = StoredBaseline.None.Open();

        // Act
        var moved = cursor.MoveNext();

        // Assert
        Assert.False(moved);
        Assert.Equal(0, cursor.Yielded);
    }

    [Fact]
    public void Encoder_StreamedRecords_DecodeToTheSameRecordsInChunksWithinTheLimit()
    {
        // Arrange: enough incompressible records for several compression waves.
        var random = new Random(13);
        var records = Enumerable.Range(0, 120_000)
            .Select(i => new SnapshotChange((ChangeKind)(i % 3), SnapshotEntry.Create(SnapshotTestData.RandomBase64(random, 18), i % 5 == 0 ? null : $"email={i}@example.com")))
            .ToList();
        var encoder = new SnapshotEncoder();

        // Act
        foreach (var record in records)
        {
            encoder.Write(record);
        }

        var chunks = encoder.Finish();

        // Assert
        Assert.Equal(records.Count, encoder.Records);
        Assert.True(chunks.Count > 4, $"expected several waves of chunks, got {chunks.Count}");
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, SnapshotCodec.MaxChunkBytes));
        Assert.Equal(records, SnapshotCodec.Decode(chunks));
    }

    [Fact]
    public void Encoder_Utf8RecordFromACursor_RoundTrips()
    {
        // Arrange
        var snapshot = SnapshotTestData.Build([("u::é-ü", "email=ø@example.com"), ("u::plain", null), ("u::😀", string.Empty)]);
        var encoder = new SnapshotEncoder();

        // Act
        using (var cursor = SnapshotCursor.Over(snapshot.Encode()))
        {
            while (cursor.MoveNext())
            {
                encoder.Write(cursor.Kind, cursor.Key, cursor.Payload, cursor.HasPayload);
            }
        }

        // Assert
        Assert.Equal(snapshot.Enumerate(), SnapshotReference.DecodeSnapshot(encoder.Finish()).Enumerate());
    }

    [Fact]
    public void BuildPacked_DuplicatesAndOrder_MatchTheReferenceModel()
    {
        // Arrange: keys repeat with other payloads, null and empty payloads among them.
        var random = new Random(19);
        var members = Enumerable.Range(0, 10_000).Select(_ => ($"u::{random.Next(4_000)}", SnapshotTestData.RandomPayload(random))).ToList();
        var builder = new SnapshotBuilder(16);
        foreach (var (key, payload) in members)
        {
            builder.Add(key, payload);
        }

        // Act
        var packed = builder.BuildPacked();

        // Assert
        var reference = Snapshot.Of(members);
        Assert.Equal(reference.Enumerate(), packed.Enumerate());
        Assert.Equal(10_000 - reference.Count, builder.Duplicates);
    }

    [Fact]
    public void BuildPacked_Twice_Throws()
    {
        // Arrange
        var builder = new SnapshotBuilder();
        builder.Add("u::a", null);
        builder.BuildPacked();

        // Act
        var ex = Record.Exception(() => builder.BuildPacked());

        // Assert
        Assert.IsType<ObjectDisposedException>(ex);
    }

    [Theory]
    [InlineData("u::a", "u::b")]
    [InlineData("u::\uFF61", "u::\U0001F600")] // UTF-8 orders U+FF61 before U+1F600; UTF-16 orders the surrogates first
    [InlineData("u::\U0001F600", "u::\uFF61")]
    [InlineData("u::é", "u::e")]
    [InlineData("same", "same")]
    public void Compare_EqualHashes_OrdersLikeOrdinalStrings(string a, string b)
    {
        // Arrange: equal hashes, as a collision would have them, so the keys themselves decide.
        var expected = Math.Sign(string.CompareOrdinal(a, b));

        // Act
        var bytes = Math.Sign(Utf8Keys.Compare(7, Encoding.UTF8.GetBytes(a), 7, Encoding.UTF8.GetBytes(b)));
        var mixed = Math.Sign(Utf8Keys.Compare(7, Encoding.UTF8.GetBytes(a), 7, b));

        // Assert
        Assert.Equal(expected, bytes);
        Assert.Equal(expected, mixed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("u::plain-ascii-user-0000123")]
    [InlineData("e::josé@exämple.com")]
    [InlineData("a:label%3A:\U0001F600\u4E2D")]
    public void Hash_Utf8Key_EqualsHashOfTheString(string key)
    {
        // Arrange
        var scratch = new char[1];

        // Act
        var hash = Utf8Keys.Hash(Encoding.UTF8.GetBytes(key), ref scratch);

        // Assert
        Assert.Equal(KeyHasher.Hash(key), hash);
    }

    [Fact]
    public void Compute_UncertainBaselineMembers_AreAddedAgainWhileInTheCohortAndRemovedOnceNot()
    {
        // Arrange: a base holding a, b, c; a failed run's delta marks b and c (same payloads) and d uncertain.
        Func<string, SnapshotEntry> entry = key => SnapshotEntry.Create(key, "email=" + key);
        var order = Comparer<SnapshotChange>.Create((x, y) => SnapshotEntry.Compare(x.Entry, y.Entry));
        var based = new[] { "u::a", "u::b", "u::c" }.Select(k => new SnapshotChange(ChangeKind.Add, entry(k))).Order(order).ToList();
        var failed = new[] { "u::b", "u::c", "u::d" }.Select(k => new SnapshotChange(ChangeKind.Uncertain, entry(k))).Order(order).ToList();
        using var cursor = SnapshotCursor.Merge([SnapshotCursor.Over(SnapshotCodec.Encode(based)), SnapshotCursor.Over(SnapshotCodec.Encode(failed))]);
        var changes = new List<SnapshotChange>();

        // Act: the cohort now holds a, b and d (c left), all with unchanged payloads.
        var counts = SnapshotDiff.Compute(cursor, SnapshotTestData.Packed(new[] { "u::a", "u::b", "u::d" }.Select(k => (k, (string?)("email=" + k)))), full: false, changes);

        // Assert: a is in step; b and d are added again; c is removed.
        var expected = new[]
        {
            new SnapshotChange(ChangeKind.Add, entry("u::b")),
            new SnapshotChange(ChangeKind.Remove, entry("u::c")),
            new SnapshotChange(ChangeKind.Add, entry("u::d")),
        }.Order(order);
        Assert.Equal(expected, changes);
        Assert.Equal(new DiffCounts(2, 1, 0), counts);
        Assert.Equal(4, cursor.Yielded);
    }

    private static List<(string Key, string? Payload)> RandomMembers(Random random)
    {
        string?[] payloads = [null, string.Empty, "email=a@example.com", "email=b@example.com"];
        var count = random.Next(0, 40);
        var members = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            members[$"u::{random.Next(60)}"] = payloads[random.Next(payloads.Length)];
        }

        return [.. members.Select(p => (p.Key, p.Value))];
    }
}
