using System.Buffers;
using System.Text;

namespace CohortSync.Core.Snapshots;

/// <summary>
/// Encodes records one at a time into the chunks of <see cref="SnapshotCodec"/>, compressing full chunks in parallel waves,
/// so a snapshot of millions of members is written while it is streamed (a compaction merges the stored baseline with a run's
/// changes straight into a new base) and never held whole, raw or as strings.
/// </summary>
public sealed class SnapshotEncoder
{
    private static readonly int Wave = Math.Max(2, Environment.ProcessorCount * 2);
    private readonly List<byte[]> _chunks = [];
    private readonly List<(byte[] Buffer, int Length)> _pending = [];
    private ChunkWriter _writer = new();
    private bool _finished;

    /// <summary>How many records were written.</summary>
    public int Records { get; private set; }

    /// <summary>Writes a record.</summary>
    public void Write(in SnapshotChange record)
    {
        var key = record.Entry.Key;
        var payload = record.Entry.Payload;
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        var payloadBytes = payload is null ? 0 : Encoding.UTF8.GetByteCount(payload);
        CheckLengths(keyBytes, payloadBytes);
        _writer.Write(record.Kind, key, keyBytes, payload, payloadBytes);
        Written();
    }

    /// <summary>Writes a record given as UTF-8 (for example one read from a <see cref="SnapshotCursor"/>).</summary>
    public void Write(ChangeKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, bool hasPayload)
    {
        CheckLengths(key.Length, payload.Length);
        _writer.Write(kind, key, payload, hasPayload);
        Written();
    }

    /// <summary>Closes the last chunk and returns every chunk, in order (one empty chunk when nothing was written).</summary>
    public IReadOnlyList<byte[]> Finish()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        _finished = true;
        if (_writer.Count > 0 || (_chunks.Count == 0 && _pending.Count == 0))
        {
            _pending.Add(_writer.Finish());
        }

        CompressPending();
        return _chunks;
    }

    private static void CheckLengths(int keyBytes, int payloadBytes)
    {
        if (keyBytes > SnapshotCodec.MaxFieldBytes || payloadBytes > SnapshotCodec.MaxFieldBytes)
        {
            throw new ArgumentException($"a key or payload is longer than {SnapshotCodec.MaxFieldBytes} bytes");
        }
    }

    private void Written()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        Records++;
        if (_writer.Length < SnapshotCodec.RawChunkTarget)
        {
            return;
        }

        _pending.Add(_writer.Finish());
        _writer = new ChunkWriter();
        if (_pending.Count >= Wave)
        {
            CompressPending();
        }
    }

    private void CompressPending()
    {
        var compressed = new byte[_pending.Count][];
        Parallel.For(0, _pending.Count, i =>
        {
            compressed[i] = SnapshotCodec.Compress(_pending[i].Buffer, _pending[i].Length);
            ArrayPool<byte>.Shared.Return(_pending[i].Buffer);
        });
        _chunks.AddRange(compressed);
        _pending.Clear();
    }

    private sealed class ChunkWriter
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(SnapshotCodec.RawChunkTarget + (3 * SnapshotCodec.MaxFieldBytes));

        // Leave room for the magic and the count, written last.
        private int _length = 16;

        public int Count { get; private set; }

        public int Length => _length;

        public void Write(ChangeKind kind, string key, int keyBytes, string? payload, int payloadBytes)
        {
            Ensure(1 + 10 + keyBytes + 10 + payloadBytes);
            _buffer[_length++] = (byte)kind;
            SnapshotCodec.WriteVarint(_buffer, ref _length, (ulong)keyBytes);
            _length += Encoding.UTF8.GetBytes(key, _buffer.AsSpan(_length));
            SnapshotCodec.WriteVarint(_buffer, ref _length, payload is null ? 0 : (ulong)payloadBytes + 1);
            if (payload is not null)
            {
                _length += Encoding.UTF8.GetBytes(payload, _buffer.AsSpan(_length));
            }

            Count++;
        }

        public void Write(ChangeKind kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, bool hasPayload)
        {
            Ensure(1 + 10 + key.Length + 10 + payload.Length);
            _buffer[_length++] = (byte)kind;
            SnapshotCodec.WriteVarint(_buffer, ref _length, (ulong)key.Length);
            key.CopyTo(_buffer.AsSpan(_length));
            _length += key.Length;
            SnapshotCodec.WriteVarint(_buffer, ref _length, hasPayload ? (ulong)payload.Length + 1 : 0);
            if (hasPayload)
            {
                payload.CopyTo(_buffer.AsSpan(_length));
                _length += payload.Length;
            }

            Count++;
        }

        public (byte[] Buffer, int Length) Finish()
        {
            // Header: magic + varint count, placed right before the records.
            Span<byte> header = stackalloc byte[16];
            SnapshotCodec.Magic.CopyTo(header);
            var n = SnapshotCodec.Magic.Length;
            SnapshotCodec.WriteVarint(header, ref n, (ulong)Count);
            var start = 16 - n;
            header[..n].CopyTo(_buffer.AsSpan(start));
            var length = _length - start;
            if (start > 0)
            {
                Buffer.BlockCopy(_buffer, start, _buffer, 0, length);
            }

            return (_buffer, length);
        }

        private void Ensure(int extra)
        {
            if (_length + extra > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
                Buffer.BlockCopy(_buffer, 0, bigger, 0, _length);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
        }
    }
}
