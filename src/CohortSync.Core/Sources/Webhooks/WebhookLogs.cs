using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>Source-generated log messages of the webhook source. Counts and ids only: never user ids or secrets.</summary>
internal static partial class WebhookLogs
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Cohort webhook for source {SourceId} refused: the secret is missing or wrong")]
    public static partial void WebhookUnauthorized(this ILogger logger, string sourceId);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Cohort webhook for source {SourceId} stored: {Users} users {Direction} at {ComputedTime}, {Skipped} skipped")]
    public static partial void WebhookAccepted(this ILogger logger, string sourceId, int users, string direction, long computedTime, int skipped);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Cohort webhook for source {SourceId} was a duplicate; nothing changed")]
    public static partial void WebhookDuplicate(this ILogger logger, string sourceId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Source {SourceId}: applied {Messages} messages ({Users} users), {Changed} states changed")]
    public static partial void WebhooksApplied(this ILogger logger, string sourceId, int messages, int users, int changed);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Source {SourceId}: stored message could not be read and was dropped: {Problem}")]
    public static partial void WebhookUnreadable(this ILogger logger, string sourceId, string problem);
}
