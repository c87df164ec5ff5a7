using Microsoft.Extensions.Logging;

namespace CohortSync.Connectors.Iterable;

/// <summary>Source-generated log messages of the Iterable connector. Counts and ids only: never member identifiers or keys.</summary>
internal static partial class IterableLogs
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Iterable destination {DestinationId}: created static list {ListId}")]
    public static partial void ListCreated(this ILogger logger, string destinationId, long listId);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Iterable destination {DestinationId}: list {ListId} of sync {SyncId} no longer exists; finding or creating the list by name (run a full sync to refill it)")]
    public static partial void ListMissing(this ILogger logger, string destinationId, string listId, string syncId);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Iterable destination {DestinationId}: {Count} removed member(s) unknown to Iterable counted as removed")]
    public static partial void AbsentOnRemove(this ILogger logger, string destinationId, int count);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Iterable destination {DestinationId}: Iterable counted {Count} failure(s) it did not name under any identifier sent; those members are taken as accepted")]
    public static partial void UnattributedFailures(this ILogger logger, string destinationId, int count);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Information, Message = "Iterable destination {DestinationId}: {Count} subscriber(s) skipped as forgotten in Iterable (GDPR); counted as settled, so they are not sent again while they stay in the cohort")]
    public static partial void ForgottenSkipped(this ILogger logger, string destinationId, int count);
}
