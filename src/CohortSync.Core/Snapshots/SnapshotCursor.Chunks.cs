using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;

namespace CohortSync.Core.Snapshots;

// The cursor over one stored segment, and the chunks it decodes on another core.
public abstract partial class SnapshotCursor
{
    // Reads one segment. Each chunk is inflated and decoded on another core while the previous one is read: the decode
    // finds every record, hashes its key (Utf8Keys) and its record bytes (XxHash3) and checks the order, so reading a
    // record here is a step through an array.
    private sealed class ChunkCursor : SnapshotCursor
    {
        private readonly IReadOnlyList<byte[]> _chunks;
        private byte[] _previousKey = new byte[256];
        private int _previousKeyLength = -1;
        private ulong _previousHash;
        private Task<DecodedChunk>? _next;
        private DecodedChunk? _chunk;
        private int _nextChunk;
        private int _index;
        private int _decoded;
        private StoredRecord _record;

        public ChunkCursor(IReadOnlyList<byte[]> chunks)
        {
            _chunks = chunks;
            if (chunks.Count > 0)
            {
                _next = Decode(chunks[0], 0);
            }
        }

        public override ReadOnlySpan<byte> Key => _chunk!.Buffer.AsSpan(_record.KeyStart, _record.KeyLength);

        public override ReadOnlySpan<byte> Payload =>
            _record.PayloadLength > 0 ? _chunk!.Buffer.AsSpan(_record.PayloadStart, _record.PayloadLength - 1) : default;

        public override bool HasPayload => _record.PayloadLength > 0;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override bool MoveNext()
        {
            while (_chunk is null || _index == _chunk.Count)
            {
                if (!NextChunk())
                {
                    return false;
                }
            }

            _record = _chunk.Records[_index++];
            Kind = _record.Kind;
            Hash = _record.Hash;
            Record = _record.Record;
            Yielded++;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            _chunk?.Return();
            _chunk = null;

            // A decode still running returns its buffers to nobody; let it finish and drop it.
            _next = null;
            base.Dispose(disposing);
        }

        private bool NextChunk()
        {
            if (_next is null)
            {
                return false;
            }

            if (_chunk is { Count: > 0 } done)
            {
                // The order across chunks is checked here, against the last key of the chunk before.
                var last = done.Records[done.Count - 1];
                var key = done.Buffer.AsSpan(last.KeyStart, last.KeyLength);
                if (_previousKey.Length < key.Length)
                {
                    _previousKey = new byte[key.Length];
                }

                key.CopyTo(_previousKey);
                _previousKeyLength = key.Length;
                _previousHash = last.Hash;
            }

            _chunk?.Return();
            _chunk = null;
            var chunk = _next.GetAwaiter().GetResult();
            _nextChunk++;
            _decoded += chunk.Count;

            // Inflate and decode the next chunk on another core while this one is read.
            _next = _nextChunk < _chunks.Count ? Decode(_chunks[_nextChunk], _decoded) : null;
            if (chunk.Count > 0 && _previousKeyLength >= 0)
            {
                var first = chunk.Records[0];
                if (Utf8Keys.Compare(_previousHash, _previousKey.AsSpan(0, _previousKeyLength), first.Hash, chunk.Buffer.AsSpan(first.KeyStart, first.KeyLength)) >= 0)
                {
                    chunk.Return();
                    throw new InvalidOperationException($"snapshot records are not strictly ordered at record {Yielded}");
                }
            }

            _chunk = chunk;
            _index = 0;
            return true;
        }

        // Inflates a chunk and finds its records; firstRecord numbers them for the order error.
        private static Task<DecodedChunk> Decode(byte[] chunk, int firstRecord) => Task.Run(() =>
        {
            var decoded = new DecodedChunk();
            try
            {
                decoded.Inflate(chunk);
                decoded.Index(firstRecord);
                return decoded;
            }
            catch
            {
                decoded.Return();
                throw;
            }
        });
    }

    // One stored record's place in its inflated chunk, and its hashes.
    private struct StoredRecord
    {
        public ulong Hash;
        public ulong Record;
        public int KeyStart;
        public int KeyLength;
        public int PayloadStart;
        public int PayloadLength; // the payload's length + 1; 0 for none
        public ChangeKind Kind;
    }

    // An inflated chunk and its records, in pooled arrays.
    private sealed class DecodedChunk
    {
        public byte[] Buffer { get; private set; } = [];

        public int Length { get; private set; }

        public StoredRecord[] Records { get; private set; } = [];

        public int Count { get; private set; }

        public void Inflate(byte[] chunk)
        {
            Buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
            try
            {
                using var input = new ZLibStream(new MemoryStream(chunk, writable: false), CompressionMode.Decompress);
                int read;
                while ((read = input.Read(Buffer, Length, Buffer.Length - Length)) > 0)
                {
                    Length += read;
                    if (Length == Buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
                        System.Buffer.BlockCopy(Buffer, 0, bigger, 0, Length);
                        ArrayPool<byte>.Shared.Return(Buffer);
                        Buffer = bigger;
                    }
                }
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
            }
        }

        public void Index(int firstRecord)
        {
            var span = Buffer.AsSpan(0, Length);
            if (!span.StartsWith(SnapshotCodec.Magic))
            {
                throw new InvalidDataException("not a CohortSync snapshot chunk");
            }

            var pos = SnapshotCodec.Magic.Length;
            try
            {
                var count = checked((int)SnapshotCodec.ReadVarint(span, ref pos));
                Records = ArrayPool<StoredRecord>.Shared.Rent(Math.Max(1, Math.Min(count, Length)));
                var scratch = new char[256];
                for (var r = 0; r < count; r++)
                {
                    var kind = (ChangeKind)span[pos++];
                    if (kind > ChangeKind.Uncertain)
                    {
                        throw new InvalidDataException("unknown record tag in a snapshot chunk");
                    }

                    var start = pos;
                    var keyLength = (int)SnapshotCodec.ReadVarint(span, ref pos);
                    var keyStart = pos;
                    pos += keyLength;
                    var payloadLength = (int)SnapshotCodec.ReadVarint(span, ref pos);
                    var payloadStart = pos;
                    if (payloadLength > 0)
                    {
                        pos += payloadLength - 1;
                    }

                    if (pos > Length || r >= Records.Length)
                    {
                        throw new InvalidDataException("a snapshot chunk is truncated or corrupt");
                    }

                    var key = span.Slice(keyStart, keyLength);
                    var hash = Utf8Keys.Hash(key, ref scratch);
                    if (r > 0)
                    {
                        ref var previous = ref Records[r - 1];
                        if (Utf8Keys.Compare(previous.Hash, span.Slice(previous.KeyStart, previous.KeyLength), hash, key) >= 0)
                        {
                            throw new InvalidOperationException($"snapshot records are not strictly ordered at record {firstRecord + r}");
                        }
                    }

                    Records[r] = new StoredRecord
                    {
                        Hash = hash,
                        Record = XxHash3.HashToUInt64(span[start..pos]),
                        KeyStart = keyStart,
                        KeyLength = keyLength,
                        PayloadStart = payloadStart,
                        PayloadLength = payloadLength,
                        Kind = kind,
                    };
                    Count = r + 1;
                }
            }
            catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or OverflowException or DecoderFallbackException)
            {
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
            }

            if (pos != Length)
            {
                throw new InvalidDataException("trailing bytes in a snapshot chunk");
            }
        }

        public void Return()
        {
            if (Buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = [];
            }

            if (Records.Length > 0)
            {
                ArrayPool<StoredRecord>.Shared.Return(Records);
                Records = [];
            }
        }
    }
}
