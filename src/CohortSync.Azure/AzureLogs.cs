using Microsoft.Extensions.Logging;

namespace CohortSync.Azure;

/// <summary>Source-generated log messages of the Azure adapters. Names, versions and statuses only: never secret values.</summary>
internal static partial class AzureLogs
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "Secret {SecretName} read from Key Vault (version {Version})")]
    public static partial void SecretRead(this ILogger logger, string secretName, string? version);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Secret {SecretName} written to Key Vault (version {Version})")]
    public static partial void SecretWritten(this ILogger logger, string secretName, string? version);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Secret {SecretName} is not in Key Vault")]
    public static partial void SecretNotFound(this ILogger logger, string secretName);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Key Vault refused {Operation} of secret {SecretName}: {Status} {ErrorCode}")]
    public static partial void SecretRequestFailed(this ILogger logger, string operation, string secretName, int status, string? errorCode);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "No token for Key Vault ({Operation} of secret {SecretName}): {CredentialError}")]
    public static partial void SecretCredentialFailed(this ILogger logger, string operation, string secretName, string credentialError);
}
