using Microsoft.Extensions.Logging;

namespace CohortSync.Connectors.Braze;

/// <summary>The Braze connector's logs: counts and ids of definitions only, never keys, emails or user ids.</summary>
internal static partial class BrazeLogs
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Braze destination {DestinationId}: sync {SyncId} batch {BatchNumber} wrote {DataPoints} custom attribute(s) (Braze data points) in {Requests} /users/track request(s)")]
    public static partial void DataPointsWritten(ILogger logger, string destinationId, string syncId, int batchNumber, int dataPoints, int requests);
}
