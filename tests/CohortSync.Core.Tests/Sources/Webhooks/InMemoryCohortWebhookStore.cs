using System.Runtime.CompilerServices;
using CohortSync.Core.Sources.Webhooks;

namespace CohortSync.Core.Tests.Sources.Webhooks;

/// <summary>The port in memory, for unit tests of the logic above it.</summary>
internal sealed class InMemoryCohortWebhookStore : ICohortWebhookStore
{
    private readonly Dictionary<string, StoredCohortWebhook> _messages = new(StringComparer.Ordinal);
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);
    private (string Owner, DateTimeOffset Until)? _lease;
    private int _version;

    public Dictionary<string, CohortMemberState> States { get; } = new(StringComparer.Ordinal);

    public int Accepted => _messages.Count;

    public int Pending => _messages.Keys.Count(k => !_applied.Contains(k));

    public Task<bool> AcceptAsync(string sourceId, StoredCohortWebhook message, CancellationToken cancellationToken)
    {
        if (!_messages.TryAdd(message.MessageId, message))
        {
            return Task.FromResult(false);
        }

        _version++;
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<StoredCohortWebhook> ReadPendingAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var message in _messages.Values.Where(m => !_applied.Contains(m.MessageId)).ToList())
        {
            await Task.Yield();
            yield return message;
        }
    }

    public Task MarkAppliedAsync(string sourceId, IReadOnlyCollection<StoredCohortWebhook> messages, CancellationToken cancellationToken)
    {
        _applied.UnionWith(messages.Select(m => m.MessageId));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<IReadOnlyList<CohortMemberEntry>> ReadStatesAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Pages of two, sorted as the port promises.
        foreach (var page in States.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new CohortMemberEntry(s.Key, s.Value)).Chunk(2).ToList())
        {
            await Task.Yield();
            yield return page;
        }
    }

    public async Task ReplaceStatesAsync(string sourceId, IAsyncEnumerable<CohortMemberEntry> states, CancellationToken cancellationToken)
    {
        var next = new List<CohortMemberEntry>();
        await foreach (var state in states)
        {
            Assert.True(next.Count == 0 || string.CompareOrdinal(next[^1].UserId, state.UserId) < 0, "states must come sorted by user id, each once");
            next.Add(state);
        }

        States.Clear();
        foreach (var state in next)
        {
            States[state.UserId] = state.State;
        }
    }

    public Task<string?> GetVersionAsync(string sourceId, CancellationToken cancellationToken) =>
        Task.FromResult(_version == 0 ? null : "v" + _version);

    public Task<bool> TryLeaseAsync(string sourceId, string owner, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (_lease is { } held && held.Owner != owner)
        {
            return Task.FromResult(false);
        }

        _lease = (owner, until);
        return Task.FromResult(true);
    }

    public Task ReleaseLeaseAsync(string sourceId, string owner, CancellationToken cancellationToken)
    {
        if (_lease?.Owner == owner)
        {
            _lease = null;
        }

        return Task.CompletedTask;
    }
}
