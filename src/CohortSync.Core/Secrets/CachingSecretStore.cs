using System.Collections.Concurrent;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Secrets;

/// <summary>
/// Caches another secret store's values for a short time, so a run does not read Key Vault once per request. A connector
/// that gets a 401 calls <see cref="Invalidate"/> and reads again, so a rotated key is picked up at once, not at expiry.
/// </summary>
public sealed class CachingSecretStore : ISecretStore
{
    private readonly ISecretStore _inner;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the cache.</summary>
    /// <param name="inner">The store to read.</param>
    /// <param name="time">The clock.</param>
    /// <param name="ttl">How long a value is kept. Default 5 minutes.</param>
    public CachingSecretStore(ISecretStore inner, TimeProvider time, TimeSpan? ttl = null)
    {
        _inner = inner;
        _time = time;
        _ttl = ttl ?? TimeSpan.FromMinutes(5);
    }

    /// <inheritdoc/>
    public async Task<string> GetSecretAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(name, out var cached) && cached.Expires > _time.GetUtcNow())
        {
            return cached.Value;
        }

        var value = await _inner.GetSecretAsync(name, cancellationToken);
        _cache[name] = (value, _time.GetUtcNow() + _ttl);
        return value;
    }

    /// <inheritdoc/>
    public async Task SetSecretAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        await _inner.SetSecretAsync(name, value, cancellationToken);
        _cache.TryRemove(name, out _);
    }

    /// <inheritdoc/>
    public void Invalidate(string name)
    {
        _cache.TryRemove(name, out _);
        _inner.Invalidate(name);
    }
}
