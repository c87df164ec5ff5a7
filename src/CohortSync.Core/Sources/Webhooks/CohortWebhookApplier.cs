using CohortSync.Core.Errors;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// Applies a source's pending messages to its stored membership. Each user's state changes only to a state from a later
/// computation (<see cref="CohortMemberState.Supersedes"/>), so the order messages arrive in does not matter: a retry of an
/// old "entered" after a newer "exited" changes nothing, and applying the same message twice is applying it once. One
/// applier at a time per source (a lease in the store), so two runs reading the same source do not interleave their writes.
/// </summary>
public sealed class CohortWebhookApplier
{
    /// <summary>How long the lease is taken for; an applier that dies holding it is replaced after this.</summary>
    public static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan LeasePoll = TimeSpan.FromSeconds(1);
    private readonly ICohortWebhookStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<CohortWebhookApplier> _logger;

    /// <summary>Creates the applier.</summary>
    public CohortWebhookApplier(ICohortWebhookStore store, TimeProvider time, ILogger<CohortWebhookApplier> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Applies every pending message of the source; returns how many users' states changed.</summary>
    public async Task<int> ApplyPendingAsync(string sourceId, CancellationToken cancellationToken)
    {
        var owner = Guid.NewGuid().ToString("N");
        await LeaseAsync(sourceId, owner, cancellationToken);
        try
        {
            var states = new Dictionary<string, CohortMemberState>(StringComparer.Ordinal);
            var applied = new List<StoredCohortWebhook>();
            var users = 0;
            await foreach (var stored in _store.ReadPendingAsync(sourceId, cancellationToken))
            {
                applied.Add(stored with { Body = ReadOnlyMemory<byte>.Empty });
                CohortWebhookMessage message;
                try
                {
                    message = CohortWebhookMessage.Parse(stored.Body);
                }
                catch (ValidationException ex)
                {
                    // Bodies are checked before they are stored; one that no longer parses cannot be applied by retrying.
                    _logger.WebhookUnreadable(sourceId, ex.Message);
                    continue;
                }

                users += message.UserIds.Count;
                Fold(states, message);
            }

            if (applied.Count == 0)
            {
                return 0;
            }

            // The changes sorted like the stored states, then one merge pass that streams the states in and the new ones out.
            var changes = states.ToArray();
            states.Clear();
            states.TrimExcess();
            Array.Sort(changes, (x, y) => string.CompareOrdinal(x.Key, y.Key));
            var changed = new int[1];
            await _store.ReplaceStatesAsync(sourceId, MergeAsync(_store.ReadStatesAsync(sourceId, cancellationToken), changes, changed), cancellationToken);
            await _store.MarkAppliedAsync(sourceId, applied, cancellationToken);
            _logger.WebhooksApplied(sourceId, applied.Count, users, changed[0]);
            return changed[0];
        }
        finally
        {
            await _store.ReleaseLeaseAsync(sourceId, owner, CancellationToken.None);
        }
    }

    /// <summary>Folds a message into the latest state seen for each of its users.</summary>
    public static void Fold(Dictionary<string, CohortMemberState> states, CohortWebhookMessage message)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(message);
        var candidate = new CohortMemberState(message.InCohort, message.ComputedTime);
        foreach (var user in message.UserIds)
        {
            if (!states.TryGetValue(user, out var known) || CohortMemberState.Supersedes(candidate, known))
            {
                states[user] = candidate;
            }
        }
    }

    /// <summary>
    /// Merges <paramref name="changes"/> (sorted by user id, ordinal) into the stored <paramref name="stored"/> states (sorted
    /// alike): a change replaces a stored state only when it supersedes it (<see cref="CohortMemberState.Supersedes"/>).
    /// Counts the states that changed in <paramref name="changed"/>[0].
    /// </summary>
    public static async IAsyncEnumerable<CohortMemberEntry> MergeAsync(
        IAsyncEnumerable<IReadOnlyList<CohortMemberEntry>> stored, KeyValuePair<string, CohortMemberState>[] changes, int[] changed)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(changed);
        var i = 0;
        await foreach (var page in stored)
        {
            foreach (var entry in page)
            {
                while (i < changes.Length && string.CompareOrdinal(changes[i].Key, entry.UserId) < 0)
                {
                    changed[0]++;
                    yield return new CohortMemberEntry(changes[i].Key, changes[i].Value);
                    i++;
                }

                if (i < changes.Length && string.Equals(changes[i].Key, entry.UserId, StringComparison.Ordinal))
                {
                    if (CohortMemberState.Supersedes(changes[i].Value, entry.State))
                    {
                        changed[0]++;
                        yield return new CohortMemberEntry(entry.UserId, changes[i].Value);
                    }
                    else
                    {
                        yield return entry;
                    }

                    i++;
                }
                else
                {
                    yield return entry;
                }
            }
        }

        for (; i < changes.Length; i++)
        {
            changed[0]++;
            yield return new CohortMemberEntry(changes[i].Key, changes[i].Value);
        }
    }

    private async Task LeaseAsync(string sourceId, string owner, CancellationToken cancellationToken)
    {
        var giveUp = _time.GetUtcNow() + LeaseTime + LeasePoll;
        while (!await _store.TryLeaseAsync(sourceId, owner, _time.GetUtcNow() + LeaseTime, cancellationToken))
        {
            if (_time.GetUtcNow() > giveUp)
            {
                throw new ConcurrencyException($"source '{sourceId}' is being applied by another run; try again");
            }

            await Task.Delay(LeasePoll, _time, cancellationToken);
        }
    }
}
