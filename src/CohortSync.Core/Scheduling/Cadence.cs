using NCrontab;

namespace CohortSync.Core.Scheduling;

/// <summary>
/// When a sync runs: <c>manual</c> (only on demand), <c>once</c> (right after it is created), <c>minute</c>, <c>hourly</c>,
/// <c>daily</c> (UTC midnight), or <c>cron:</c> followed by a 6-field expression with seconds, the form of the Functions timer
/// trigger (NCrontab, <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>).
/// </summary>
public sealed class Cadence
{
    private static readonly CrontabSchedule.ParseOptions WithSeconds = new() { IncludingSeconds = true };
    private readonly CrontabSchedule? _schedule;

    private Cadence(string text, CadenceKind kind, CrontabSchedule? schedule)
    {
        Text = text;
        Kind = kind;
        _schedule = schedule;
    }

    /// <summary>The kinds of cadence.</summary>
    public enum CadenceKind
    {
        /// <summary>Only on demand.</summary>
        Manual,

        /// <summary>One run, right after creation.</summary>
        Once,

        /// <summary>On a cron schedule (minute, hourly and daily are named schedules).</summary>
        Cron,
    }

    /// <summary>The cadence as written.</summary>
    public string Text { get; }

    /// <summary>The kind.</summary>
    public CadenceKind Kind { get; }

    /// <summary>Parses a cadence; throws <see cref="FormatException"/> with a message that says what is accepted.</summary>
    public static Cadence Parse(string? text)
    {
        if (!TryParse(text, out var cadence, out var error))
        {
            throw new FormatException(error);
        }

        return cadence;
    }

    /// <summary>Parses a cadence, or says why it cannot.</summary>
    public static bool TryParse(string? text, out Cadence cadence, out string error)
    {
        cadence = null!;
        error = string.Empty;
        var value = text?.Trim() ?? string.Empty;
        string? cron = value.ToUpperInvariant() switch
        {
            "MANUAL" => null,
            "ONCE" => null,
            "MINUTE" or "EVERY-MINUTE" or "REALTIME" => "0 * * * * *",
            "HOURLY" => "0 0 * * * *",
            "DAILY" => "0 0 0 * * *",
            _ when value.StartsWith("cron:", StringComparison.OrdinalIgnoreCase) => value[5..].Trim(),
            _ => string.Empty,
        };

        if (cron is null)
        {
            cadence = new Cadence(value.ToLowerInvariant(), value.Equals("once", StringComparison.OrdinalIgnoreCase) ? CadenceKind.Once : CadenceKind.Manual, null);
            return true;
        }

        if (cron.Length == 0)
        {
            error = $"unknown cadence '{Truncate(value)}': use manual, once, minute, hourly, daily, or cron: with a 6-field expression such as 'cron:0 */5 * * * *'";
            return false;
        }

        if (cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
        {
            error = $"cron expression '{Truncate(cron)}' must have 6 fields: second minute hour day month day-of-week";
            return false;
        }

        var schedule = CrontabSchedule.TryParse(cron, WithSeconds);
        if (schedule is null)
        {
            error = $"cron expression '{Truncate(cron)}' is not valid";
            return false;
        }

        cadence = new Cadence(value.StartsWith("cron:", StringComparison.OrdinalIgnoreCase) ? "cron:" + cron : value.ToLowerInvariant(), CadenceKind.Cron, schedule);
        return true;
    }

    /// <summary>
    /// The slot due at <paramref name="now"/>, or null. The first slot of a scheduled sync is its creation time (it runs right
    /// after it is scheduled, as Amplitude's syncs do); after that, the latest schedule occurrence later than
    /// <paramref name="lastSlot"/> and no later than <paramref name="now"/>. Slots missed while nothing ran collapse into one.
    /// </summary>
    public DateTimeOffset? DueSlot(DateTimeOffset createdAt, DateTimeOffset? lastSlot, DateTimeOffset now)
    {
        if (Kind == CadenceKind.Manual || now < createdAt)
        {
            return null;
        }

        var first = TruncateToSecond(createdAt);
        if (lastSlot is null)
        {
            return first;
        }

        if (Kind == CadenceKind.Once)
        {
            return null;
        }

        // Search forward from the last slot; after a long outage start a day back, since only the latest slot matters.
        var from = lastSlot.Value.UtcDateTime;
        var end = now.UtcDateTime;
        if (end - from > TimeSpan.FromDays(1))
        {
            from = end - TimeSpan.FromDays(1);
        }

        DateTime? latest = null;
        foreach (var occurrence in _schedule!.GetNextOccurrences(from, end.AddTicks(1)))
        {
            latest = occurrence;
        }

        if (latest is null && lastSlot.Value.UtcDateTime < from)
        {
            // Nothing in the last day (a monthly cron, say): find the latest occurrence after the last slot the long way.
            var next = _schedule.GetNextOccurrence(lastSlot.Value.UtcDateTime, end.AddTicks(1));
            while (next <= end)
            {
                latest = next;
                next = _schedule.GetNextOccurrence(next, end.AddTicks(1));
            }
        }

        return latest is null ? null : new DateTimeOffset(DateTime.SpecifyKind(latest.Value, DateTimeKind.Utc));
    }

    /// <summary>The first slot strictly after <paramref name="after"/>, or null for manual and once cadences.</summary>
    public DateTimeOffset? NextSlotAfter(DateTimeOffset after) =>
        Kind == CadenceKind.Cron
            ? new DateTimeOffset(DateTime.SpecifyKind(_schedule!.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc))
            : null;

    /// <summary>How many slots fall in [<paramref name="from"/>, <paramref name="from"/> + <paramref name="span"/>), counting at most <paramref name="cap"/>.</summary>
    public int CountSlots(DateTimeOffset from, TimeSpan span, int cap = 1_000_000)
    {
        if (Kind == CadenceKind.Manual)
        {
            return 0;
        }

        if (Kind == CadenceKind.Once)
        {
            return 1;
        }

        var count = 0;
        foreach (var _ in _schedule!.GetNextOccurrences(from.UtcDateTime.AddTicks(-1), (from + span).UtcDateTime))
        {
            if (++count >= cap)
            {
                break;
            }
        }

        return count;
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
