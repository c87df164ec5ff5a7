using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;

namespace CohortSync.Durable;

/// <summary>
/// The <c>[DurableClient]</c> of one function invocation, made available to <see cref="DurableWorkflowEngine"/> for the
/// calls made while it is bound. Dispose it when the call into the application services returns.
/// </summary>
public sealed class DurableClientBinding : IDisposable
{
    private readonly Action<DurableClientBinding?> _restore;
    private readonly DurableClientBinding? _previous;
    private readonly ConcurrentQueue<string> _runIds = new();

    internal DurableClientBinding(DurableTaskClient client, DurableClientBinding? previous, Action<DurableClientBinding?> restore)
    {
        Client = client;
        _previous = previous;
        _restore = restore;
    }

    /// <summary>The runs the engine was asked to start while bound (scheduled now, or found already there).</summary>
    public IReadOnlyCollection<string> RunIds => _runIds;

    internal DurableTaskClient Client { get; }

    internal void Record(string runId) => _runIds.Enqueue(runId);

    /// <summary>Unbinds the client, restoring whatever was bound before.</summary>
    public void Dispose() => _restore(_previous);
}
