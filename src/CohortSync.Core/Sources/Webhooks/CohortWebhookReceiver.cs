using System.Security.Cryptography;
using System.Text;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// Receives Amplitude's cohort webhooks for a source: authenticates the sender by the shared secret (compared in constant
/// time), checks the body, and stores it as it came (applying it to the membership is left to the next run), so the answer
/// costs one secret look-up (cached) and one table transaction.
/// </summary>
public sealed class CohortWebhookReceiver
{
    /// <summary>How long the map from source id to secret names is kept before the syncs are read again.</summary>
    public static readonly TimeSpan SourceCacheTtl = TimeSpan.FromSeconds(15);

    private readonly ISyncStore _syncs;
    private readonly ISecretStore _secrets;
    private readonly ICohortWebhookStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<CohortWebhookReceiver> _logger;
    private volatile SourceMap? _sources;

    /// <summary>Creates the receiver.</summary>
    public CohortWebhookReceiver(ISyncStore syncs, ISecretStore secrets, ICohortWebhookStore store, TimeProvider time, ILogger<CohortWebhookReceiver> logger)
    {
        _syncs = syncs;
        _secrets = secrets;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// True when <paramref name="presented"/> is the secret of a sync whose source is <paramref name="sourceId"/>. An unknown
    /// source answers false as a wrong secret does, so a caller without the secret learns nothing.
    /// </summary>
    public async Task<bool> AuthenticateAsync(string sourceId, string? presented, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sourceId);
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? string.Empty));
        var names = (await SourcesAsync(sourceId, cancellationToken)).SecretNames(sourceId);
        var match = false;
        foreach (var name in names)
        {
            string secret;
            try
            {
                secret = await _secrets.GetSecretAsync(name, cancellationToken);
            }
            catch (NotFoundException)
            {
                continue;
            }

            // Hashing both sides first makes the comparison fixed-time in the length too.
            match |= CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        }

        if (!match || string.IsNullOrEmpty(presented))
        {
            _logger.WebhookUnauthorized(sourceId);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Checks the body (a <see cref="ValidationException"/> naming the bad field, nothing stored) and stores it unless its
    /// message id was stored before.
    /// </summary>
    public async Task<CohortWebhookReceipt> AcceptAsync(string sourceId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var message = CohortWebhookMessage.Parse(body);
        var stored = new StoredCohortWebhook(message.MessageId, message.ComputedTime, message.InCohort, message.UserIds.Count, _time.GetUtcNow(), body);
        var fresh = await _store.AcceptAsync(sourceId, stored, cancellationToken);
        if (fresh)
        {
            _logger.WebhookAccepted(sourceId, message.UserIds.Count, message.InCohort ? "entered" : "exited", message.ComputedTime, message.Skipped);
        }
        else
        {
            _logger.WebhookDuplicate(sourceId);
        }

        return new CohortWebhookReceipt(!fresh, message.UserIds.Count, message.Skipped);
    }

    // The map is read again when it is older than SourceCacheTtl, or when it does not know the source and is older than a
    // second (a sync created a moment ago), so an unknown source costs at most one query a second.
    private async Task<SourceMap> SourcesAsync(string sourceId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_sources is { } map && Fresh(map, now, sourceId))
        {
            return map;
        }

        // Concurrent refreshes are harmless (each reads the same syncs); the last one wins.
        var syncs = await _syncs.ListSyncsAsync(cancellationToken);
        var names = syncs
            .Where(s => CohortWebhookSource.Serves(s.Source) && s.Source.SecretName is not null)
            .GroupBy(s => s.Source.Location, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(s => s.Source.SecretName!).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var fresh = new SourceMap(names, now, now + SourceCacheTtl);
        _sources = fresh;
        return fresh;
    }

    private static bool Fresh(SourceMap map, DateTimeOffset now, string sourceId) =>
        map.Expires > now && (map.Names.ContainsKey(sourceId) || now - map.ReadAt < TimeSpan.FromSeconds(1));

    private sealed record SourceMap(IReadOnlyDictionary<string, IReadOnlyList<string>> Names, DateTimeOffset ReadAt, DateTimeOffset Expires)
    {
        public IReadOnlyList<string> SecretNames(string sourceId) => Names.TryGetValue(sourceId, out var names) ? names : [];
    }
}
