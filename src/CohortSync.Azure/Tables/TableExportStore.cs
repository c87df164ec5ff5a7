using System.Globalization;
using System.IO.Compression;
using CohortSync.Core.Ports;
using Azure.Data.Tables;

namespace CohortSync.Azure.Tables;

/// <summary>
/// Cohort exports and their downloaded files in Table Storage. A file is cut into 512 KiB pieces, each compressed on its
/// own (zlib) into one entity, written as the download streams in; a marker row written last says the file is complete,
/// so a download cut short is never read. Reading streams the pieces back one at a time, fetching the next while the
/// current one is parsed.
/// </summary>
public sealed class TableExportStore : IExportStore
{
    private const string Table = "Exports";
    private const string RecordRow = "export";
    private const string Json = "Json";
    private const int PieceBytes = 512 * 1024;
    private readonly TableGateway _tables;

    /// <summary>Creates the store.</summary>
    public TableExportStore(TableGateway tables) => _tables = tables;

    /// <inheritdoc/>
    public async Task<Versioned<ExportRecord>?> GetExportAsync(string cohortKey, CancellationToken cancellationToken = default)
    {
        var entity = await _tables.RetrieveAsync(Table, Partition(cohortKey), RecordRow, cancellationToken);
        return entity is null ? null : new Versioned<ExportRecord>(StateJson.Deserialize<ExportRecord>(entity.GetString(Json)), TableGateway.ETagOf(entity));
    }

    /// <inheritdoc/>
    public async Task SaveExportAsync(ExportRecord record, string? etag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entity = new TableEntity(Partition(record.CohortKey), RecordRow) { [Json] = StateJson.Serialize(record) };
        if (etag is null)
        {
            await _tables.AddAsync(Table, entity, cancellationToken);
        }
        else
        {
            await _tables.ReplaceAsync(Table, entity, etag, cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async Task<bool> HasFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default) =>
        await _tables.RetrieveAsync(Table, Partition(cohortKey), DoneRow(requestId), cancellationToken) is not null;

    /// <inheritdoc/>
    public async Task WriteFileAsync(string cohortKey, string requestId, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var partition = Partition(cohortKey);

        // Older files of the cohort are superseded by this one.
        var old = await _tables.QueryAsync(Table, TableGateway.PrefixFilter(partition, "f|"), cancellationToken, select: ["RowKey"]);
        await _tables.DeleteAllAsync(Table, old, cancellationToken);

        await using var pieces = new PieceWriter(_tables, partition, requestId);
        await write(pieces, cancellationToken);
        await pieces.FinishAsync(cancellationToken);
        var done = new TableEntity(partition, DoneRow(requestId)) { ["Pieces"] = pieces.Count, ["Bytes"] = pieces.Bytes };
        await _tables.UpsertAsync(Table, done, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default)
    {
        var partition = Partition(cohortKey);
        var done = await _tables.RetrieveAsync(Table, partition, DoneRow(requestId), cancellationToken)
            ?? throw new Core.Errors.NotFoundException($"the export file of request '{requestId}' is not downloaded");
        return new PieceReader(_tables, partition, requestId, done.GetInt32("Pieces") ?? 0);
    }

    // Cohort keys may hold characters Table keys refuse ('/', '\', '#', '?'): keep them out.
    private static string Partition(string cohortKey) =>
        new(cohortKey.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).ToArray());

    private static string PieceRow(string requestId, int piece) => "f|" + requestId + "|" + piece.ToString("D6", CultureInfo.InvariantCulture);

    private static string DoneRow(string requestId) => "f|" + requestId + "|done";

    private sealed class PieceWriter(TableGateway tables, string partition, string requestId) : Stream
    {
        private readonly MemoryStream _buffer = new(PieceBytes);

        public int Count { get; private set; }

        public long Bytes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Bytes;

        public override long Position { get => Bytes; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                var take = Math.Min(buffer.Length, PieceBytes - (int)_buffer.Length);
                _buffer.Write(buffer.Span[..take]);
                buffer = buffer[take..];
                Bytes += take;
                if (_buffer.Length == PieceBytes)
                {
                    await FlushPieceAsync(cancellationToken);
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Length > 0 || Count == 0)
            {
                await FlushPieceAsync(cancellationToken);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _buffer.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task FlushPieceAsync(CancellationToken cancellationToken)
        {
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                zlib.Write(_buffer.GetBuffer(), 0, (int)_buffer.Length);
            }

            var entity = new TableEntity(partition, PieceRow(requestId, Count));
            BinaryProperties.Write(entity, "D", compressed.ToArray());
            await tables.UpsertAsync(Table, entity, cancellationToken);
            Count++;
            _buffer.SetLength(0);
        }
    }

    private sealed class PieceReader : Stream
    {
        private readonly TableGateway _tables;
        private readonly string _partition;
        private readonly string _requestId;
        private readonly int _pieces;
        private int _nextPiece;
        private Task<byte[]>? _prefetch;
        private byte[] _current = [];
        private int _offset;

        public PieceReader(TableGateway tables, string partition, string requestId, int pieces)
        {
            _tables = tables;
            _partition = partition;
            _requestId = requestId;
            _pieces = pieces;
            _prefetch = pieces > 0 ? FetchAsync(_nextPiece++) : null;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        // The CSV parser reads synchronously; Prepare runs on a pool thread, and the next piece is already being fetched.
        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _current.Length)
            {
                if (_prefetch is null)
                {
                    return 0;
                }

                _current = await _prefetch.WaitAsync(cancellationToken);
                _offset = 0;
                _prefetch = _nextPiece < _pieces ? FetchAsync(_nextPiece++) : null;
            }

            var take = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, take).CopyTo(buffer);
            _offset += take;
            return take;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private async Task<byte[]> FetchAsync(int piece)
        {
            var entity = await _tables.RetrieveAsync(Table, _partition, PieceRow(_requestId, piece), CancellationToken.None)
                ?? throw new InvalidDataException($"piece {piece} of export file '{_requestId}' is missing");
            using var input = new ZLibStream(new MemoryStream(BinaryProperties.Read(entity, "D")), CompressionMode.Decompress);
            using var output = new MemoryStream(PieceBytes);
            await input.CopyToAsync(output);
            return output.ToArray();
        }
    }
}
