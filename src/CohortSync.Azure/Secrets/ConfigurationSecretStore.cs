using System.Collections.Concurrent;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Configuration;

namespace CohortSync.Azure.Secrets;

/// <summary>
/// The local secret store: reads <c>Secrets:{name}</c> from configuration (user secrets, environment variables such as
/// <c>Secrets__braze-key</c>, or <c>local.settings.json</c>); values set at run time are kept in memory only.
/// For development and tests; in Azure secrets come from Key Vault.
/// </summary>
public sealed class ConfigurationSecretStore : ISecretStore
{
    private readonly IConfiguration _configuration;
    private readonly ConcurrentDictionary<string, string> _overrides = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    public ConfigurationSecretStore(IConfiguration configuration) => _configuration = configuration;

    /// <inheritdoc/>
    public Task<string> GetSecretAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_overrides.TryGetValue(name, out var value) || (value = _configuration["Secrets:" + name]) is { Length: > 0 })
        {
            return Task.FromResult(value);
        }

        throw new NotFoundException($"secret '{name}' is not configured (set Secrets:{name})");
    }

    /// <inheritdoc/>
    public Task SetSecretAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        _overrides[name] = value;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Invalidate(string name)
    {
        // Configuration is read fresh on every call: nothing is cached.
    }
}
