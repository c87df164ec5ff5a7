using CohortSync.Core.Members;

namespace CohortSync.Core.Tests.Members;

public sealed class ReadAheadTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(10_001)]
    public async Task BlocksAsync_AnySource_YieldsEveryItemOnceInOrder(int count)
    {
        // Arrange
        var source = Enumerable.Range(0, count);

        // Act
        var items = new List<int>();
        var lengths = new List<int>();
        await foreach (var block in ReadAhead.BlocksAsync(source, blockSize: 100, depth: 2))
        {
            lengths.Add(block.Length);
            items.AddRange(block);
        }

        // Assert: full blocks, then the rest
        Assert.Equal(source, items);
        Assert.Equal(Enumerable.Repeat(100, count / 100).Concat(count % 100 == 0 ? [] : [count % 100]), lengths);
    }

    [Fact]
    public async Task BlocksAsync_SourceThrows_CallerGetsTheSameExceptionAfterTheItemsBeforeIt()
    {
        // Arrange: the exception a malformed line throws must reach Prepare as itself (line and column intact).
        static IEnumerable<int> Source()
        {
            for (var i = 0; i < 250; i++)
            {
                yield return i;
            }

            throw new MalformedSourceException(251, 3, "a quoted field is never closed");
        }

        var items = new List<int>();

        // Act
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var block in ReadAhead.BlocksAsync(Source(), blockSize: 100, depth: 2))
            {
                items.AddRange(block);
            }
        });

        // Assert
        var malformed = Assert.IsType<MalformedSourceException>(ex);
        Assert.Equal(251, malformed.Line);
        Assert.Equal(200, items.Count);
    }

    [Fact]
    public async Task BlocksAsync_CallerStopsEarly_SourceIsDisposedBeforeItReturns()
    {
        // Arrange: an endless source that records its disposal (a file handle, in Prepare).
        var source = new EndlessSource();

        // Act
        await foreach (var block in ReadAhead.BlocksAsync(source, blockSize: 10, depth: 2))
        {
            Assert.Equal(10, block.Length);
            break;
        }

        // Assert
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task BlocksAsync_CallerThrows_ItsExceptionWinsAndTheSourceIsDisposed()
    {
        // Arrange
        var source = new EndlessSource();

        // Act
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var block in ReadAhead.BlocksAsync(source, blockSize: 10, depth: 2))
            {
                throw new InvalidOperationException("resolving failed");
            }
        });

        // Assert
        Assert.Equal("resolving failed", Assert.IsType<InvalidOperationException>(ex).Message);
        Assert.True(source.Disposed);
    }

    [Fact]
    public async Task BlocksAsync_Cancelled_ThrowsOperationCanceledAndDisposesTheSource()
    {
        // Arrange
        var source = new EndlessSource();
        using var cts = new CancellationTokenSource();

        // Act
        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var block in ReadAhead.BlocksAsync(source, blockSize: 10, depth: 2, cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        // Assert
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.True(source.Disposed);
    }

    private sealed class EndlessSource : IEnumerable<int>
    {
        public bool Disposed { get; private set; }

        public IEnumerator<int> GetEnumerator()
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    yield return i;
                }
            }
            finally
            {
                Disposed = true;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
