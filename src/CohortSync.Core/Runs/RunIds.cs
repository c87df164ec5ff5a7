using System.Globalization;
using System.Text.RegularExpressions;

namespace CohortSync.Core.Runs;

/// <summary>
/// Run ids embed their sync id and slot: <c>{syncId}.{yyyyMMddTHHmmss}.s</c> for a scheduled slot (so a repeated tick maps to
/// the same id) and <c>{syncId}.{yyyyMMddTHHmmssfff}.m{n}</c> for a manual start. Ids are valid Table Storage keys and Durable instance ids.
/// </summary>
public static partial class RunIds
{
    /// <summary>The id of the scheduled run for a slot.</summary>
    public static string ForSlot(string syncId, DateTimeOffset slot) =>
        $"{syncId}.{slot.UtcDateTime.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)}.s";

    /// <summary>The id of a manual run started at a time.</summary>
    public static string ForManual(string syncId, DateTimeOffset at, int nonce) =>
        $"{syncId}.{at.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)}.m{nonce.ToString("x4", CultureInfo.InvariantCulture)}";

    /// <summary>The sync id a run id belongs to.</summary>
    public static string SyncIdOf(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var dot = runId.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            throw new FormatException("not a run id");
        }

        return runId[..dot];
    }

    /// <summary>True for a well-formed id of a sync or destination: 1 to 63 lower-case letters, digits and dashes.</summary>
    public static bool IsValidEntityId(string? id) => id is not null && EntityId().IsMatch(id);

    /// <summary>True for a well-formed run id.</summary>
    public static bool IsValidRunId(string? id) => id is not null && RunId().IsMatch(id);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z")]
    private static partial Regex EntityId();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\.[0-9]{8}T[0-9]{6,9}\.(s|m[0-9a-f]{4})\z")]
    private static partial Regex RunId();
}
