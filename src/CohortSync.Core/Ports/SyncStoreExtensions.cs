using CohortSync.Core.Errors;

namespace CohortSync.Core.Ports;

/// <summary>Read-modify-write of a sync's state with optimistic concurrency, for every writer that races on it.</summary>
public static class SyncStoreExtensions
{
    /// <summary>
    /// Applies <paramref name="change"/> to the sync's state (a fresh one when there is none) and writes it with the ETag it
    /// was read with, re-reading after a lost race. The change returns null to leave the state as it is.
    /// </summary>
    public static async Task UpdateSyncStateAsync(this ISyncStore store, string syncId, Func<SyncState, SyncState?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetSyncStateAsync(syncId, cancellationToken);
            var updated = change(current?.Value ?? new SyncState { SyncId = syncId });
            if (updated is null)
            {
                return;
            }

            try
            {
                await store.SaveSyncStateAsync(updated, current?.ETag, cancellationToken);
                return;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }
}
