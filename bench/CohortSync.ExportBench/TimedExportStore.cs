using System.Diagnostics;
using CohortSync.Core.Ports;

namespace CohortSync.ExportBench;

/// <summary>
/// The real export store (Table Storage) with timers around it, registered in the benchmark's own container: how long the
/// download took (<see cref="IExportStore.WriteFileAsync"/>: HTTP, compression, table writes), how many bytes came down,
/// and how long Prepare spent reading the stored file back (table reads and inflation) while it parsed.
/// </summary>
internal sealed class TimedExportStore(IExportStore inner) : IExportStore
{
    private long _readTicks;

    public TimeSpan Download { get; private set; }

    public long DownloadedBytes { get; private set; }

    /// <summary>When the last download ended (Stopwatch ticks).</summary>
    public long DownloadEndAt { get; private set; }

    public int Downloads { get; private set; }

    public TimeSpan FileReads => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _readTicks));

    /// <summary>When the stored file was read to its end (Stopwatch ticks; 0 until then): parsing is over.</summary>
    public long FileEndAt { get; private set; }

    public Task<Versioned<ExportRecord>?> GetExportAsync(string cohortKey, CancellationToken cancellationToken = default) =>
        inner.GetExportAsync(cohortKey, cancellationToken);

    public Task SaveExportAsync(ExportRecord record, string? etag, CancellationToken cancellationToken = default) =>
        inner.SaveExportAsync(record, etag, cancellationToken);

    public Task<bool> HasFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default) =>
        inner.HasFileAsync(cohortKey, requestId, cancellationToken);

    public async Task WriteFileAsync(string cohortKey, string requestId, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        CountingStream? counted = null;
        await inner.WriteFileAsync(
            cohortKey,
            requestId,
            (target, token) => write(counted = new CountingStream(target), token),
            cancellationToken);
        DownloadEndAt = Stopwatch.GetTimestamp();
        Download += Stopwatch.GetElapsedTime(started, DownloadEndAt);
        DownloadedBytes += counted?.Bytes ?? 0;
        Downloads++;
    }

    public async Task<Stream> OpenFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default) =>
        new TimedReadStream(await inner.OpenFileAsync(cohortKey, requestId, cancellationToken), this);

    private void AddRead(long ticks) => Interlocked.Add(ref _readTicks, ticks);

    private sealed class CountingStream(Stream target) : Stream
    {
        public long Bytes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Bytes;

        public override long Position { get => Bytes; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            target.Write(buffer, offset, count);
            Bytes += count;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await target.WriteAsync(buffer, cancellationToken);
            Bytes += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => target.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => target.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class TimedReadStream(Stream source, TimedExportStore owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var started = Stopwatch.GetTimestamp();
            var read = source.Read(buffer, offset, count);
            owner.AddRead(Stopwatch.GetTimestamp() - started);
            if (read == 0 && count > 0 && owner.FileEndAt == 0)
            {
                owner.FileEndAt = Stopwatch.GetTimestamp();
            }

            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            var read = await source.ReadAsync(buffer, cancellationToken);
            owner.AddRead(Stopwatch.GetTimestamp() - started);
            if (read == 0 && buffer.Length > 0 && owner.FileEndAt == 0)
            {
                owner.FileEndAt = Stopwatch.GetTimestamp();
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                source.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await source.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
