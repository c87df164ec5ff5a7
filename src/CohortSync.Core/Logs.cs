using Microsoft.Extensions.Logging;

namespace CohortSync.Core;

/// <summary>Source-generated log messages. Counts and ids only: never member identifiers or secrets.</summary>
internal static partial class Logs
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Run {RunId} prepared: {Members} members, {Adds} adds, {Removes} removes, {Updates} updates, {Unmatched} unmatched, {Invalid} invalid, {Batches} batches, guarded {Guarded}")]
    public static partial void RunPrepared(this ILogger logger, string runId, int members, int adds, int removes, int updates, int unmatched, int invalid, int batches, bool guarded);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Run {RunId} batch {Batch} sent: {Accepted} accepted, {Rejected} rejected in {Requests} requests")]
    public static partial void BatchSent(this ILogger logger, string runId, int batch, int accepted, int rejected, int requests);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Run {RunId} batch {Batch} failed after the destination answered for {Settled} of its {Sent} changes; they are kept and the rest stay uncertain")]
    public static partial void BatchPartlySent(this ILogger logger, string runId, int batch, int settled, int sent);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Run {RunId} finished {Status}")]
    public static partial void RunFinished(this ILogger logger, string runId, Runs.RunStatus status);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Run {RunId} failed: {Error}")]
    public static partial void RunFailed(this ILogger logger, string runId, string error);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Run {RunId} started for sync {SyncId} ({Trigger}, {Mode})")]
    public static partial void RunStarted(this ILogger logger, string runId, string syncId, string trigger, Runs.RunMode mode);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Sync {SyncId} already has run {RunId} under way; not starting another")]
    public static partial void RunAlreadyActive(this ILogger logger, string syncId, string runId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Sync {SyncId}: source unchanged since run {RunId}; slot {Slot} checked, no run started")]
    public static partial void SourceUnchanged(this ILogger logger, string syncId, string? runId, DateTimeOffset slot);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Sync {SyncId}: could not check whether the source changed; starting a run")]
    public static partial void SourceProbeFailed(this ILogger logger, string syncId, Exception exception);
}
