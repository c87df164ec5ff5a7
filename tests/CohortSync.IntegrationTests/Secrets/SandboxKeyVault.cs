using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Secrets;
using CohortSync.Sandbox;
using CohortSync.Sandbox.KeyVault;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.IntegrationTests.Secrets;

/// <summary>
/// The test side of the sandbox's Key Vault: a credential that hands out the sandbox's token for whatever tenant the
/// challenge names (the only fake: Entra ID itself), and client options that trust the sandbox's certificate by its pin.
/// </summary>
internal static class SandboxKeyVault
{
    /// <summary>
    /// Options for a <see cref="SecretClient"/> on the sandbox: the pinned transport, quick retries, and no check that the
    /// challenge's resource (<c>vault.azure.net</c>) is the vault's own domain, since the sandbox is <c>127.0.0.1</c>.
    /// </summary>
    public static SecretClientOptions ClientOptions(bool verifyChallengeResource = false)
    {
        var options = new SecretClientOptions
        {
            Transport = new HttpClientTransport(SandboxCertificate.CreatePinnedHandler()),
            DisableChallengeResourceVerification = !verifyChallengeResource,
        };
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        return options;
    }

    /// <summary>A real client on the sandbox's vault.</summary>
    public static SecretClient Client(SandboxHost sandbox, TokenCredential credential, bool verifyChallengeResource = false) =>
        new(sandbox.HttpsBaseAddress, credential, ClientOptions(verifyChallengeResource));

    /// <summary>Makes the host's Key Vault client use the sandbox (its credential and pinned transport).</summary>
    public static IServiceCollection AddSandboxKeyVaultClient(this IServiceCollection services) =>
        services.AddSingleton<TokenCredential>(new SandboxTokenCredential()).AddSingleton(ClientOptions());
}

/// <summary>Hands out the sandbox's token for the tenant the challenge names, and records what it was asked for.</summary>
internal sealed class SandboxTokenCredential : TokenCredential
{
    public ConcurrentQueue<TokenRequestContext> Requests { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests.Enqueue(requestContext);
        return new AccessToken(KeyVaultSandbox.TokenFor(requestContext.TenantId), DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
