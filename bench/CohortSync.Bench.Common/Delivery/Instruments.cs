using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CohortSync.Bench.Delivery;

/// <summary>One state-store call: method, the batch it names (or -1), start and end (Stopwatch ticks).</summary>
internal readonly record struct StoreCall(string Method, int Batch, long Start, long End);

/// <summary>
/// Times every <see cref="ISyncStore"/> call the engine makes, by wrapping the real Table store in a proxy registered in
/// the benchmark's own container. It tells how long a send activity spends in storage outside the pacer's window.
/// </summary>
public class TimedSyncStore : DispatchProxy
{
    private ISyncStore _inner = null!;
    private ConcurrentQueue<StoreCall> _calls = null!;

    internal static ISyncStore Wrap(ISyncStore inner, ConcurrentQueue<StoreCall> calls)
    {
        var proxy = Create<ISyncStore, TimedSyncStore>();
        var timed = (TimedSyncStore)(object)proxy;
        timed._inner = inner;
        timed._calls = calls;
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var start = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        var batch = targetMethod.Name switch
        {
            nameof(ISyncStore.GetBatchAsync) => (int)args![1]!,
            nameof(ISyncStore.SaveBatchOutcomeAsync) => ((BatchOutcome)args![1]!).Number,
            _ => -1,
        };
        var name = targetMethod.Name;
        if (result is Task task)
        {
            task.ContinueWith(
                _ => _calls.Enqueue(new StoreCall(name, batch, start, Stopwatch.GetTimestamp())),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return result;
    }
}

/// <summary>One engine log event the benchmark reads: when, its id, and its named values.</summary>
internal sealed record EngineEvent(long At, int Id, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

/// <summary>
/// A logger provider that keeps CohortSync's own events with a Stopwatch stamp: run prepared (1000), batch sent (1001),
/// run finished (1002), and every warning (retries, 429s).
/// </summary>
internal sealed class EngineEvents : ILoggerProvider
{
    public ConcurrentQueue<EngineEvent> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("CohortSync", StringComparison.Ordinal) ? new Capture(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Capture(EngineEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Warning && eventId.Id is not (1000 or 1001 or 1002))
            {
                return;
            }

            var values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
                : new Dictionary<string, object?>(StringComparer.Ordinal);
            owner.Events.Enqueue(new EngineEvent(Stopwatch.GetTimestamp(), eventId.Id, logLevel, formatter(state, exception), values));
        }
    }
}
