namespace CohortSync.Core.Ports;

/// <summary>
/// The secret-store port (Key Vault in Azure, configuration locally). Values are cached briefly; <see cref="Invalidate"/>
/// drops a cached value so the next read sees a rotated key.
/// </summary>
public interface ISecretStore
{
    /// <summary>Reads a secret; throws <see cref="Errors.NotFoundException"/> when there is none.</summary>
    Task<string> GetSecretAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Writes a secret.</summary>
    Task SetSecretAsync(string name, string value, CancellationToken cancellationToken = default);

    /// <summary>Forgets a cached value.</summary>
    void Invalidate(string name);
}
