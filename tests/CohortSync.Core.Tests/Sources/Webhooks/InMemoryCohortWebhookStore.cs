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

    public Task MarkAppliedAsync(string sourceId, IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        _applied.UnionWith(messageIds);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, CohortMemberState>> ReadStatesAsync(string sourceId, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, CohortMemberState>>(userIds.Where(States.ContainsKey).ToDictionary(u => u, u => States[u], StringComparer.Ordinal));

    public Task WriteStatesAsync(string sourceId, IReadOnlyCollection<KeyValuePair<string, CohortMemberState>> states, CancellationToken cancellationToken)
    {
        foreach (var (user, state) in states)
        {
            States[user] = state;
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<IReadOnlyList<string>> ReadMembersAsync(string sourceId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var page in States.Where(s => s.Value.InCohort).Select(s => s.Key).Order(StringComparer.Ordinal).Chunk(2))
        {
            await Task.Yield();
            yield return page;
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
