using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace CohortSync.Core.Members;

/// <summary>
/// Reads a sequence on another thread, a block at a time, while the caller works on the blocks already read: planning
/// parses the cohort file on one core and resolves and packs members on the other. At most <c>depth</c> blocks wait. The
/// source is enumerated (and disposed) on the reading thread only; an exception it throws reaches the caller, as itself,
/// after the blocks read before it; a caller that stops early stops the reading at the next block.
/// </summary>
public static class ReadAhead
{
    /// <summary>Yields the source's items in order, in blocks of <paramref name="blockSize"/> (the last one shorter).</summary>
    public static async IAsyncEnumerable<T[]> BlocksAsync<T>(
        IEnumerable<T> source, int blockSize, int depth, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        var channel = Channel.CreateBounded<T[]>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(() => ReadAsync(source, blockSize, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken))
            {
                while (channel.Reader.TryRead(out var block))
                {
                    yield return block;
                }
            }
        }
        finally
        {
            // Also when the caller stopped early or failed: end the reading before returning, so the source is disposed.
            await stop.CancelAsync();
            var error = await reader;
            if (error is not null && !cancellationToken.IsCancellationRequested)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
    }

    // Returns the source's exception instead of throwing it, so the caller rethrows it unwrapped, after the earlier blocks.
    private static async Task<Exception?> ReadAsync<T>(IEnumerable<T> source, int blockSize, ChannelWriter<T[]> writer, CancellationToken stop)
    {
        try
        {
            var block = new T[blockSize];
            var count = 0;
            foreach (var item in source)
            {
                block[count++] = item;
                if (count == blockSize)
                {
                    await writer.WriteAsync(block, stop);
                    block = new T[blockSize];
                    count = 0;
                }
            }

            if (count > 0)
            {
                Array.Resize(ref block, count);
                await writer.WriteAsync(block, stop);
            }

            return null;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
