using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CohortSync.Core.Definitions;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Notifications;

/// <summary>
/// What a notification says: the event, the run's status, the sync and destination, the counts and the first few reasons.
/// Built from the run's record, which holds counts only, so it carries no member; anything shaped like an email address in
/// the reasons, the error or the sync's name is masked all the same, and no secret is ever read into it.
/// </summary>
public sealed partial record NotificationMessage
{
    /// <summary>The most reasons a message lists (the most frequent first).</summary>
    public const int MaxReasons = 5;

    /// <summary>The longest error a message carries, in characters.</summary>
    public const int MaxErrorLength = 500;

    /// <summary>The event (<see cref="NotificationEvents"/>).</summary>
    public required string Event { get; init; }

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The run's status when the message was built.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The sync.</summary>
    public required string SyncId { get; init; }

    /// <summary>The sync's display name, when the sync still exists.</summary>
    public string? SyncName { get; init; }

    /// <summary>The destination's id.</summary>
    public string? DestinationId { get; init; }

    /// <summary>The destination's connector type.</summary>
    public string? DestinationType { get; init; }

    /// <summary>Incremental, full or dry run.</summary>
    public RunMode Mode { get; init; }

    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public string? Trigger { get; init; }

    /// <summary>When the event happened (the time the message was built).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The counts known at the event, in a stable order (members, adds, removes, ..., accepted, rejected, ...).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Counts { get; init; } = [];

    /// <summary>The first few reasons, most frequent first: <c>{reason} ({count})</c>.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>Why the run failed, or which batches failed (shortened to <see cref="MaxErrorLength"/>).</summary>
    public string? Error { get; init; }

    /// <summary>
    /// The key a receiver can drop a repeated delivery by: <c>{runId}/{event}</c>. A retry, or the activity run again after
    /// a crash, sends the same key.
    /// </summary>
    public string IdempotencyKey => $"{RunId}/{Event}";

    /// <summary>Builds the message of an event of a run.</summary>
    /// <param name="notificationEvent">The event.</param>
    /// <param name="run">The run's record.</param>
    /// <param name="sync">The sync, when it still exists.</param>
    /// <param name="destination">The destination, when it still exists.</param>
    /// <param name="at">When the event happened.</param>
    public static NotificationMessage Build(string notificationEvent, RunRecord run, SyncDefinition? sync, DestinationDefinition? destination, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(run);
        var counts = new List<KeyValuePair<string, int>>();
        if (run.Plan is { } plan)
        {
            Add(counts, "members", plan.Members);
            Add(counts, "baseline", plan.Baseline);
            Add(counts, "adds", plan.Adds);
            Add(counts, "removes", plan.Removes);
            Add(counts, "updates", plan.Updates);
            Add(counts, "unmatched", plan.Unmatched);
            Add(counts, "invalid", plan.Invalid);
            Add(counts, "batches", plan.BatchCount);
        }

        if (run.Outcome is { } outcome)
        {
            Add(counts, "accepted", outcome.Accepted);
            Add(counts, "rejected", outcome.Rejected);
            Add(counts, "failed", outcome.Failed);
            Add(counts, "failedBatches", outcome.FailedBatches);
            Add(counts, "skipped", outcome.Skipped);
            Add(counts, "baselineAfter", outcome.BaselineAfter);
        }

        var reasons = (run.Outcome?.RejectReasons ?? Empty)
            .Concat(run.Outcome?.SkippedReasons ?? Empty)
            .Concat(run.Plan?.SkipReasons ?? Empty)
            .OrderByDescending(r => r.Value)
            .ThenBy(r => r.Key, StringComparer.Ordinal)
            .Take(MaxReasons)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{Mask(r.Key)} ({r.Value})"))
            .ToList();
        var error = run.Error is null ? null : Mask(run.Error.Length > MaxErrorLength ? run.Error[..MaxErrorLength] + "..." : run.Error);
        return new NotificationMessage
        {
            Event = notificationEvent,
            RunId = run.RunId,
            Status = run.Status,
            SyncId = run.SyncId,
            SyncName = sync?.Name is { } name ? Mask(name) : null,
            DestinationId = sync?.DestinationId,
            DestinationType = destination?.Type,
            Mode = run.Mode,
            Trigger = run.Trigger,
            At = at,
            Counts = counts,
            Reasons = reasons,
            Error = error,
        };
    }

    /// <summary>
    /// The signed webhook's body: <c>{"event","runId","status","syncId","syncName","destinationId","destinationType","mode",
    /// "trigger","at","counts":{...},"reasons":[...],"error"}</c> (absent values left out), UTF-8 JSON.
    /// </summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event", Event);
            writer.WriteString("runId", RunId);
            writer.WriteString("status", Status.ToString());
            writer.WriteString("syncId", SyncId);
            WriteIfSet(writer, "syncName", SyncName);
            WriteIfSet(writer, "destinationId", DestinationId);
            WriteIfSet(writer, "destinationType", DestinationType);
            writer.WriteString("mode", Mode.ToString());
            WriteIfSet(writer, "trigger", Trigger);
            writer.WriteString("at", At);
            writer.WriteStartObject("counts");
            foreach (var (name, value) in Counts)
            {
                writer.WriteNumber(name, value);
            }

            writer.WriteEndObject();
            writer.WriteStartArray("reasons");
            foreach (var reason in Reasons)
            {
                writer.WriteStringValue(reason);
            }

            writer.WriteEndArray();
            WriteIfSet(writer, "error", Error);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The chat body (Slack's and Teams' incoming webhooks): <c>{"text": <see cref="ToText"/>}</c>, UTF-8 JSON.</summary>
    public byte[] ToChatJson() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["text"] = ToText() });

    /// <summary>The message for people: one line saying what happened, then the counts, the reasons and the error.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var sync = SyncName is null ? $"'{SyncId}'" : $"'{SyncName}' ({SyncId})";
        var destination = DestinationId is null ? string.Empty : $" to {DestinationId}{(DestinationType is null ? string.Empty : $" ({DestinationType})")}";
        text.Append(CultureInfo.InvariantCulture, $"CohortSync: sync {sync}{destination}: {Headline()}. Run {RunId} ({Trigger ?? "run"}, {Mode}).");
        if (Counts.Count > 0)
        {
            text.Append('\n').AppendJoin(", ", Counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:N0}")));
        }

        if (Reasons.Count > 0)
        {
            text.Append("\nReasons: ").AppendJoin("; ", Reasons);
        }

        if (Error is not null)
        {
            text.Append("\nError: ").Append(Error);
        }

        return text.ToString();
    }

    private string Headline() => Event switch
    {
        NotificationEvents.Started => "run started",
        NotificationEvents.AwaitingApproval => "held by the removal guardrail, waiting for approval",
        NotificationEvents.Completed => "completed",
        NotificationEvents.CompletedWithRejections => "completed; the destination refused some members",
        NotificationEvents.PartlyFailed => "partly failed; the failed changes are sent again by the next run",
        NotificationEvents.Failed => "failed",
        _ => Status.ToString(),
    };

    private static readonly IReadOnlyDictionary<string, int> Empty = new Dictionary<string, int>();

    private static void Add(List<KeyValuePair<string, int>> counts, string name, int value) => counts.Add(KeyValuePair.Create(name, value));

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>Masks anything shaped like an email address.</summary>
    internal static string Mask(string text) => EmailLike().Replace(text, "[email]");

    [GeneratedRegex(@"[^\s@'""<>(),;:]+@[^\s@'""<>(),;:]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailLike();
}
