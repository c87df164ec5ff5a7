using System.IO.Compression;
using System.Text;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers.Snapshots;

namespace CohortSync.Core.Tests.Snapshots;

public sealed class SnapshotCodecTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 17)]
    [InlineData(3, 1_000)]
    [InlineData(4, 12_345)]
    [InlineData(5, 50_000)]
    public void EncodeDecodeSnapshot_RandomSets_RoundTrip(int seed, int count)
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(seed), count);

        // Act
        var decoded = SnapshotReference.DecodeSnapshot(snapshot.Encode());

        // Assert
        Assert.Equal(count, decoded.Count);
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
    }

    [Fact]
    public void Encode_EmptySnapshot_OneChunkThatDecodesToEmpty()
    {
        // Arrange
        var empty = Snapshot.Empty;

        // Act
        var chunks = empty.Encode();
        var decoded = SnapshotReference.DecodeSnapshot(chunks);

        // Assert
        Assert.Single(chunks);
        Assert.Equal(0, decoded.Count);
        Assert.Empty(SnapshotCodec.Decode(chunks));
    }

    [Fact]
    public void Encode_NoChanges_DecodesToNoChanges()
    {
        // Arrange
        SnapshotChange[] none = [];

        // Act
        var decoded = SnapshotCodec.Decode(SnapshotCodec.Encode(none));

        // Assert
        Assert.Empty(decoded);
    }

    [Fact]
    public void EncodeDecode_UnicodeKeysAndPayloads_RoundTrip()
    {
        // Arrange
        var snapshot = SnapshotTestData.Build(
        [
            ("u::🙂👩🏽‍💻🏳️‍🌈", "email=emoji@example.com"),
            ("u::用户一号", "name=张伟"),
            ("u::مرحبا بالعالم", "name=שלום"),
            ("u::e\u0301\u0301a\u0308", "name=Zoë"),
            ("u::e\u0301", null),
            ("u::\u00e9", string.Empty),
            ("u::𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x=\u0000\u001f\uffff"),
        ]);

        // Act
        var decoded = SnapshotReference.DecodeSnapshot(snapshot.Encode());

        // Assert
        Assert.Equal(7, decoded.Count);
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
    }

    [Fact]
    public void EncodeDecode_OneByteAndEmptyKeys_RoundTrip()
    {
        // Arrange
        var members = Enumerable.Range(0, 128).Select(c => (((char)c).ToString(), (string?)null)).Append((string.Empty, "p"));
        var snapshot = SnapshotTestData.Build(members);

        // Act
        var decoded = SnapshotReference.DecodeSnapshot(snapshot.Encode());

        // Assert
        Assert.Equal(129, decoded.Count);
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
    }

    [Fact]
    public void EncodeDecode_KeysAndPayloadsOfExactlyMaxFieldBytes_RoundTrip()
    {
        // Arrange: ASCII and multi-byte keys of exactly 64 KiB of UTF-8, some with 64 KiB payloads.
        var random = new Random(7);
        var members = new List<(string, string?)>();
        for (var i = 0; i < 4; i++)
        {
            var ascii = SnapshotTestData.RandomBase64(random, SnapshotCodec.MaxFieldBytes)[..(SnapshotCodec.MaxFieldBytes - 1)] + (char)('a' + i);
            members.Add((ascii, i % 2 == 0 ? null : new string('p', SnapshotCodec.MaxFieldBytes)));
        }

        var threeByte = new string('€', SnapshotCodec.MaxFieldBytes / 3) + "x";
        members.Add((threeByte, new string('é', SnapshotCodec.MaxFieldBytes / 2)));
        var snapshot = SnapshotTestData.Build(members);
        Assert.All(snapshot.Enumerate(), e => Assert.Equal(SnapshotCodec.MaxFieldBytes, Encoding.UTF8.GetByteCount(e.Key)));

        // Act
        var chunks = snapshot.Encode();
        var decoded = SnapshotReference.DecodeSnapshot(chunks);

        // Assert
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, SnapshotCodec.MaxChunkBytes));
    }

    [Fact]
    public void Encode_KeyLongerThanMaxFieldBytes_ThrowsArgumentException()
    {
        // Arrange
        SnapshotChange[] changes = [new(ChangeKind.Add, SnapshotEntry.Create(new string('k', SnapshotCodec.MaxFieldBytes + 1), null))];

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Encode(changes));

        // Assert
        Assert.IsType<ArgumentException>(ex);
    }

    [Fact]
    public void Encode_PayloadLongerThanMaxFieldBytes_ThrowsArgumentException()
    {
        // Arrange: 21,846 three-byte characters are one byte over the limit.
        var payload = new string('€', (SnapshotCodec.MaxFieldBytes / 3) + 1);
        SnapshotChange[] changes = [new(ChangeKind.Add, SnapshotEntry.Create("u::1", payload))];

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Encode(changes));

        // Assert
        Assert.IsType<ArgumentException>(ex);
    }

    [Fact]
    public void EncodeDecode_NullAndEmptyPayloads_StayDistinct()
    {
        // Arrange
        var snapshot = SnapshotTestData.Build([("u::null", null), ("u::empty", string.Empty), ("u::value", "x")]);

        // Act
        var decoded = SnapshotReference.DecodeSnapshot(snapshot.Encode());

        // Assert
        Assert.Null(decoded.Find("u::null")!.Value.Payload);
        Assert.Equal(string.Empty, decoded.Find("u::empty")!.Value.Payload);
        Assert.Equal("x", decoded.Find("u::value")!.Value.Payload);
    }

    [Fact]
    public void EncodeDecode_ChangesOfEveryKind_KeepTagsAndOrder()
    {
        // Arrange: records keep the order they were given in, sorted or not.
        var random = new Random(11);
        var changes = Enumerable.Range(0, 3_000)
            .Select(i => new SnapshotChange((ChangeKind)(i % 3), SnapshotEntry.Create("u::" + random.Next(), SnapshotTestData.RandomPayload(random))))
            .ToList();

        // Act
        var decoded = SnapshotCodec.Decode(SnapshotCodec.Encode(changes));

        // Assert
        Assert.Equal(changes, decoded);
        Assert.Equal(1_000, decoded.Count(c => c.Kind == ChangeKind.Update));
    }

    [Fact]
    public void Encode_IncompressibleRandomKeys_EveryChunkWithinMaxChunkBytesAndSeveralChunks()
    {
        // Arrange
        var random = new Random(200);
        var members = Enumerable.Range(0, 200_000).Select(_ => ("u::" + SnapshotTestData.RandomBase64(random, 33), (string?)SnapshotTestData.RandomBase64(random, 12)));
        var snapshot = SnapshotTestData.Build(members);

        // Act
        var chunks = snapshot.Encode();
        var decoded = SnapshotReference.DecodeSnapshot(chunks);

        // Assert
        Assert.True(chunks.Count > 1, $"expected several chunks, got {chunks.Count}");
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, SnapshotCodec.MaxChunkBytes));
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
    }

    [Fact]
    public void Encode_LargestRecordsOfRandomText_EveryChunkWithinMaxChunkBytes()
    {
        // Arrange: near-64 KiB random keys and payloads make the raw chunks as large as they get.
        var random = new Random(64);
        var members = Enumerable.Range(0, 40).Select(_ =>
            (SnapshotTestData.RandomBase64(random, 49_000), (string?)SnapshotTestData.RandomBase64(random, 49_000)));
        var snapshot = SnapshotTestData.Build(members);

        // Act
        var chunks = snapshot.Encode();
        var decoded = SnapshotReference.DecodeSnapshot(chunks);

        // Assert
        Assert.True(chunks.Count > 1, $"expected several chunks, got {chunks.Count}");
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, SnapshotCodec.MaxChunkBytes));
        Assert.Equal(snapshot.Enumerate(), decoded.Enumerate());
    }

    [Fact]
    public void Decode_ChunksOfALargeInput_ConcatenatesInChunkOrder()
    {
        // Arrange
        var random = new Random(3);
        var changes = Enumerable.Range(0, 60_000)
            .Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create($"u::{i:D8}-" + SnapshotTestData.RandomBase64(random, 9), null)))
            .ToList();
        var chunks = SnapshotCodec.Encode(changes);

        // Act
        var perChunk = chunks.Select(c => SnapshotCodec.Decode([c])).ToList();
        var all = SnapshotCodec.Decode(chunks);

        // Assert
        Assert.True(chunks.Count > 1, $"expected several chunks, got {chunks.Count}");
        Assert.All(perChunk, p => Assert.NotEmpty(p));
        Assert.Equal(changes, perChunk.SelectMany(p => p));
        Assert.Equal(changes, all);
    }

    [Fact]
    public void Decode_GarbageBytes_ThrowsInvalidDataException()
    {
        // Arrange
        var garbage = Encoding.ASCII.GetBytes("this is not a deflate stream at all");

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([garbage]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Fact]
    public void Decode_DeflatedBytesWithoutMagic_ThrowsInvalidDataException()
    {
        // Arrange
        var chunk = Deflate("XYZ\u0000"u8.ToArray());

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([chunk]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    public void Decode_TruncatedChunk_ThrowsInvalidDataException(int divisor)
    {
        // Arrange
        var snapshot = SnapshotTestData.RandomSnapshot(new Random(5), 2_000);
        var chunk = snapshot.Encode().Single();
        var truncated = chunk[..(chunk.Length - (chunk.Length / divisor))];

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([truncated]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Fact]
    public void Decode_RecordCountLargerThanRecords_ThrowsInvalidDataException()
    {
        // Arrange: magic, a count of 5, then nothing.
        var chunk = Deflate([(byte)'C', (byte)'S', (byte)'1', 5]);

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([chunk]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Fact]
    public void Decode_TrailingBytes_ThrowsInvalidDataException()
    {
        // Arrange: magic, a count of 0, then a stray byte.
        var chunk = Deflate([(byte)'C', (byte)'S', (byte)'1', 0, 9]);

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([chunk]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    [Fact]
    public void Decode_UnknownChangeTag_ThrowsInvalidDataException()
    {
        // Arrange: magic, one record tagged 7 (not a ChangeKind), key "A", null payload.
        var chunk = Deflate([(byte)'C', (byte)'S', (byte)'1', 1, 7, 1, (byte)'A', 0]);

        // Act
        var ex = Record.Exception(() => SnapshotCodec.Decode([chunk]));

        // Assert
        Assert.IsType<InvalidDataException>(ex);
    }

    private static byte[] Deflate(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(raw);
        }

        return output.ToArray();
    }
}
