using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;

namespace CohortSync.LocalHost.Cli;

/// <summary>Create-or-replace through <see cref="DefinitionService"/>, so the CLI checks and stores definitions as the API does.</summary>
internal static class Definitions
{
    public static async Task<Saved<DestinationDefinition>> UpsertAsync(
        DefinitionService definitions, ISyncStore store, DestinationDefinition destination, string? secret, CancellationToken cancellationToken) =>
        await store.GetDestinationAsync(destination.Id, cancellationToken) is null
            ? await definitions.CreateDestinationAsync(destination, secret, cancellationToken)
            : await definitions.ReplaceDestinationAsync(destination, secret, etag: null, cancellationToken);

    public static async Task<Saved<SyncDefinition>> UpsertAsync(
        DefinitionService definitions, ISyncStore store, SyncDefinition sync, CancellationToken cancellationToken) =>
        await store.GetSyncAsync(sync.Id, cancellationToken) is null
            ? await definitions.CreateSyncAsync(sync, cancellationToken)
            : await definitions.ReplaceSyncAsync(sync, etag: null, cancellationToken);
}
