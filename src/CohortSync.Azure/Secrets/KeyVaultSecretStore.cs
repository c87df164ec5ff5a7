using System.Globalization;
using System.Net;
using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CohortSync.Azure.Secrets;

/// <summary>
/// The secret store in Azure: reads and writes Key Vault secrets through <see cref="SecretClient"/> (managed identity via
/// <c>DefaultAzureCredential</c>). Every read asks the vault for the latest version; the host wraps this store in
/// <see cref="Core.Secrets.CachingSecretStore"/>, whose <c>Invalidate</c> after a vendor 401 makes the next read come here,
/// so a rotated key is picked up without a restart.
/// </summary>
/// <remarks>
/// Failures are mapped onto the project's error taxonomy, and no message carries a secret value:
/// 404 is <see cref="NotFoundException"/>; 401 and 403 (no access, a disabled secret) and a credential that cannot get a
/// token are <see cref="DestinationAuthException"/> (stop and alert: retrying will not help); 408, 429 and 5xx are
/// <see cref="RetryableDestinationException"/> with the vault's Retry-After (after <see cref="SecretClient"/>'s own three
/// retries); 400 is <see cref="ValidationException"/> on <c>secretName</c>; anything else is
/// <see cref="InvalidOperationException"/>.
/// </remarks>
public sealed class KeyVaultSecretStore : ISecretStore
{
    /// <summary>The name this store gives itself in errors (their <c>Destination</c>).</summary>
    public const string ServiceName = "key-vault";

    private readonly SecretClient _client;
    private readonly ILogger<KeyVaultSecretStore> _logger;

    /// <summary>Creates the store over a client (one per vault, a singleton).</summary>
    public KeyVaultSecretStore(SecretClient client, ILogger<KeyVaultSecretStore> logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task<string> GetSecretAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        KeyVaultSecret secret;
        try
        {
            secret = (await _client.GetSecretAsync(name, version: null, cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex)
        {
            throw Map(ex, "read", name);
        }
        catch (AuthenticationFailedException ex)
        {
            throw Map(ex, "read", name);
        }

        if (string.IsNullOrEmpty(secret.Value))
        {
            _logger.SecretNotFound(name);
            throw new NotFoundException($"secret '{name}' has no value in Key Vault");
        }

        _logger.SecretRead(name, secret.Properties.Version);
        return secret.Value;
    }

    /// <inheritdoc/>
    public async Task SetSecretAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(value);
        KeyVaultSecret written;
        try
        {
            written = (await _client.SetSecretAsync(name, value, cancellationToken)).Value;
        }
        catch (RequestFailedException ex)
        {
            throw Map(ex, "write", name);
        }
        catch (AuthenticationFailedException ex)
        {
            throw Map(ex, "write", name);
        }

        _logger.SecretWritten(name, written.Properties.Version);
    }

    /// <inheritdoc/>
    /// <remarks>Nothing is cached here (the caching wrapper is): every read already asks the vault.</remarks>
    public void Invalidate(string name)
    {
    }

    private Exception Map(RequestFailedException ex, string operation, string name)
    {
        var status = (HttpStatusCode)ex.Status;
        if (status == HttpStatusCode.NotFound)
        {
            _logger.SecretNotFound(name);
            return new NotFoundException($"secret '{name}' is not in Key Vault", ex);
        }

        _logger.SecretRequestFailed(operation, name, ex.Status, ex.ErrorCode);

        // The vault's own words (its error code) are safe to repeat: error bodies never echo a secret value.
        var what = $"Key Vault refused the {operation} of secret '{name}' ({ex.Status}{(ex.ErrorCode is null ? string.Empty : " " + ex.ErrorCode)})";
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new DestinationAuthException(
                ServiceName, status, what + ": check the app's access (Key Vault Secrets User to read, Officer to write) and that the secret is enabled", ex.ErrorCode),
            HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => new RetryableDestinationException(
                ServiceName, status, what, RetryAfter(ex), ex.ErrorCode, ex),
            HttpStatusCode.BadRequest => new ValidationException(new Dictionary<string, string[]> { ["secretName"] = [what] }),
            (HttpStatusCode)0 => new RetryableDestinationException(ServiceName, null, $"Key Vault could not be reached for the {operation} of secret '{name}'", innerException: ex),
            _ => new InvalidOperationException(what, ex),
        };
    }

    private DestinationAuthException Map(AuthenticationFailedException ex, string operation, string name)
    {
        _logger.SecretCredentialFailed(operation, name, ex.Message);
        return new DestinationAuthException(
            ServiceName, null, $"no token for Key Vault to {operation} secret '{name}': check the app's managed identity ({ex.GetType().Name})");
    }

    // Key Vault sends Retry-After in seconds.
    private static TimeSpan? RetryAfter(RequestFailedException ex) =>
        ex.GetRawResponse() is { } response
        && response.Headers.TryGetValue("Retry-After", out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
