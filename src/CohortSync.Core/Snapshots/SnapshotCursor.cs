using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Reads stored records one at a time, in snapshot order, without making strings: the baseline is streamed through the
/// diff instead of being decoded into memory, so planning holds one chunk of it at a time. Spans are valid until the next
/// <see cref="MoveNext"/>.
/// </summary>
public abstract class SnapshotCursor : IDisposable
{
    /// <summary>The current record's kind: for a baseline, <see cref="ChangeKind.Add"/> for a member the destination holds and
    /// <see cref="ChangeKind.Uncertain"/> for one whose last change did not settle.</summary>
    public ChangeKind Kind { get; protected set; }

    /// <summary>The current record's key hash.</summary>
    public ulong Hash { get; protected set; }

    /// <summary>The current record's key, UTF-8.</summary>
    public abstract ReadOnlySpan<byte> Key { get; }

    /// <summary>The current record's payload, UTF-8 (empty when <see cref="HasPayload"/> is false).</summary>
    public abstract ReadOnlySpan<byte> Payload { get; }

    /// <summary>Whether the current record carries a payload.</summary>
    public abstract bool HasPayload { get; }

    /// <summary>How many records this cursor has yielded.</summary>
    public int Yielded { get; protected set; }

    /// <summary>An empty cursor (the baseline of a sync that never committed).</summary>
    public static SnapshotCursor Empty() => new ChunkCursor([]);

    /// <summary>A cursor over encoded chunks (a segment), checking that the records are strictly ordered.</summary>
    public static SnapshotCursor Over(IReadOnlyList<byte[]> chunks) => new ChunkCursor(chunks);

    /// <summary>
    /// A cursor over a base and the deltas committed after it: for each key the latest segment's record wins, and keys whose
    /// latest record is a remove are skipped; every record yielded is an <see cref="ChangeKind.Add"/> (an update is an add
    /// with a new payload), or <see cref="ChangeKind.Uncertain"/> when the latest record says so.
    /// </summary>
    public static SnapshotCursor Merge(IReadOnlyList<SnapshotCursor> segments) => new MergedCursor(segments);

    /// <summary>Moves to the next record; false at the end.</summary>
    public abstract bool MoveNext();

    /// <summary>The current record as an entry (this makes its strings).</summary>
    public SnapshotEntry ToEntry() =>
        new(Hash, Encoding.UTF8.GetString(Key), HasPayload ? Encoding.UTF8.GetString(Payload) : null);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases pooled buffers.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class ChunkCursor : SnapshotCursor
    {
        private readonly IReadOnlyList<byte[]> _chunks;
        private char[] _scratch = new char[256];
        private byte[] _previousKey = new byte[256];
        private int _previousKeyLength = -1;
        private ulong _previousHash;
        private Task<(byte[] Buffer, int Length)>? _next;
        private byte[]? _buffer;
        private int _length;
        private int _nextChunk;
        private int _remaining;
        private int _pos;
        private int _keyStart;
        private int _keyLength;
        private int _payloadStart;
        private int _payloadLength;

        public ChunkCursor(IReadOnlyList<byte[]> chunks)
        {
            _chunks = chunks;
            if (chunks.Count > 0)
            {
                _next = Inflate(chunks[0]);
            }
        }

        public override ReadOnlySpan<byte> Key => _buffer.AsSpan(_keyStart, _keyLength);

        public override ReadOnlySpan<byte> Payload => _payloadLength > 0 ? _buffer.AsSpan(_payloadStart, _payloadLength - 1) : default;

        public override bool HasPayload => _payloadLength > 0;

        public override bool MoveNext()
        {
            while (_remaining == 0)
            {
                if (!NextChunk())
                {
                    return false;
                }
            }

            try
            {
                ReadRecord();
            }
            catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or DecoderFallbackException)
            {
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
            }

            Yielded++;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            // A prefetch still running returns its buffer to nobody; let it finish and drop it.
            _next = null;
            base.Dispose(disposing);
        }

        private void ReadRecord()
        {
            var span = _buffer.AsSpan(0, _length);
            Kind = (ChangeKind)span[_pos++];
            if (Kind > ChangeKind.Uncertain)
            {
                throw new InvalidDataException("unknown record tag in a snapshot chunk");
            }

            _keyLength = (int)SnapshotCodec.ReadVarint(span, ref _pos);
            _keyStart = _pos;
            _pos += _keyLength;
            _payloadLength = (int)SnapshotCodec.ReadVarint(span, ref _pos);
            _payloadStart = _pos;
            if (_payloadLength > 0)
            {
                _pos += _payloadLength - 1;
            }

            if (_pos > _length)
            {
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt");
            }

            _remaining--;
            if (_remaining == 0 && _pos != _length)
            {
                throw new InvalidDataException("trailing bytes in a snapshot chunk");
            }

            var key = Key;
            Hash = Utf8Keys.Hash(key, ref _scratch);
            CheckOrder(key);
        }

        // A bad order would corrupt every diff against this segment: refuse it, as Snapshot.FromSorted does.
        private void CheckOrder(ReadOnlySpan<byte> key)
        {
            if (_previousKeyLength >= 0 && Utf8Keys.Compare(_previousHash, _previousKey.AsSpan(0, _previousKeyLength), Hash, key) >= 0)
            {
                throw new InvalidOperationException($"snapshot records are not strictly ordered at record {Yielded}");
            }

            if (_previousKey.Length < key.Length)
            {
                _previousKey = new byte[key.Length];
            }

            key.CopyTo(_previousKey);
            _previousKeyLength = key.Length;
            _previousHash = Hash;
        }

        private bool NextChunk()
        {
            if (_next is null)
            {
                return false;
            }

            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }

            (_buffer, _length) = _next.GetAwaiter().GetResult();
            _nextChunk++;

            // Inflate the next chunk on another core while this one is read.
            _next = _nextChunk < _chunks.Count ? Inflate(_chunks[_nextChunk]) : null;
            var span = _buffer.AsSpan(0, _length);
            if (!span.StartsWith(SnapshotCodec.Magic))
            {
                throw new InvalidDataException("not a CohortSync snapshot chunk");
            }

            _pos = SnapshotCodec.Magic.Length;
            try
            {
                _remaining = checked((int)SnapshotCodec.ReadVarint(span, ref _pos));
            }
            catch (Exception ex) when (ex is IndexOutOfRangeException or OverflowException)
            {
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
            }

            if (_remaining == 0 && _pos != _length)
            {
                throw new InvalidDataException("trailing bytes in a snapshot chunk");
            }

            return true;
        }

        private static Task<(byte[] Buffer, int Length)> Inflate(byte[] chunk) => Task.Run(() =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
            var length = 0;
            try
            {
                using var input = new ZLibStream(new MemoryStream(chunk, writable: false), CompressionMode.Decompress);
                int read;
                while ((read = input.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += read;
                    if (length == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, bigger, 0, length);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                return (buffer, length);
            }
            catch (InvalidDataException ex)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw new InvalidDataException("a snapshot chunk is truncated or corrupt", ex);
            }
        });
    }

    // Merges segments oldest first; for equal keys the latest segment wins. Cursors that matched the yielded key are
    // advanced at the next MoveNext, so the winner's spans stay valid until then.
    private sealed class MergedCursor : SnapshotCursor
    {
        private readonly SnapshotCursor[] _segments;
        private readonly bool[] _live;
        private readonly bool[] _matched;
        private SnapshotCursor? _current;
        private bool _started;

        public MergedCursor(IReadOnlyList<SnapshotCursor> segments)
        {
            _segments = [.. segments];
            _live = new bool[_segments.Length];
            _matched = new bool[_segments.Length];
        }

        public override ReadOnlySpan<byte> Key => _current!.Key;

        public override ReadOnlySpan<byte> Payload => _current!.Payload;

        public override bool HasPayload => _current!.HasPayload;

        public override bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                for (var s = 0; s < _segments.Length; s++)
                {
                    _live[s] = _segments[s].MoveNext();
                }
            }

            while (true)
            {
                for (var s = 0; s < _segments.Length; s++)
                {
                    if (_matched[s])
                    {
                        _matched[s] = false;
                        _live[s] = _segments[s].MoveNext();
                    }
                }

                // The smallest key among live segments; the latest segment holding it wins.
                var winner = -1;
                for (var s = 0; s < _segments.Length; s++)
                {
                    if (!_live[s])
                    {
                        continue;
                    }

                    var c = winner < 0 ? -1 : Utf8Keys.Compare(_segments[s].Hash, _segments[s].Key, _segments[winner].Hash, _segments[winner].Key);
                    if (c <= 0)
                    {
                        if (c < 0)
                        {
                            Array.Clear(_matched);
                        }

                        winner = s;
                        _matched[s] = true;
                    }
                }

                if (winner < 0)
                {
                    _current = null;
                    return false;
                }

                _current = _segments[winner];
                if (_current.Kind == ChangeKind.Remove)
                {
                    continue;
                }

                Kind = _current.Kind == ChangeKind.Uncertain ? ChangeKind.Uncertain : ChangeKind.Add;
                Hash = _current.Hash;
                Yielded++;
                return true;
            }
        }

        protected override void Dispose(bool disposing)
        {
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
