using System.Globalization;
using CohortSync.Core.Definitions;

namespace CohortSync.Core.Scheduling;

/// <summary>
/// Warns when a sync's cadence could spend more of the source's download quota than it has. Amplitude allows 500 cohort
/// downloads a month (https://amplitude.com/docs/apis/analytics/behavioral-cohorts); a run whose cohort was not recomputed downloads nothing, so the figure is
/// the worst case, one download per scheduled slot.
/// </summary>
public static class QuotaAdvisor
{
    /// <summary>Amplitude's monthly cohort download quota.</summary>
    public const int AmplitudeMonthlyDownloads = 500;

    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    /// <summary>The most exports a cadence can start in 30 days from <paramref name="from"/>.</summary>
    public static int ExportsPerMonth(string cadence, DateTimeOffset from) =>
        Cadence.TryParse(cadence, out var parsed, out _) ? parsed.CountSlots(from, Month, cap: 100_000) : 0;

    /// <summary>
    /// A warning for a sync whose cadence, together with the other syncs exporting from the same source project, could
    /// exceed the monthly quota; null when it fits or the source has no quota.
    /// </summary>
    /// <param name="sync">The sync being created or changed.</param>
    /// <param name="otherSyncsOfProject">The other syncs reading from the same project.</param>
    /// <param name="now">The current time.</param>
    public static string? Warn(SyncDefinition sync, IEnumerable<SyncDefinition> otherSyncsOfProject, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentNullException.ThrowIfNull(otherSyncsOfProject);
        if (!string.Equals(sync.Source.Type, "amplitude", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var own = ExportsPerMonth(sync.Cadence, now);

        // Syncs of the same cohort share one export per slot, so count each cohort's busiest cadence once.
        var total = otherSyncsOfProject
            .Where(s => s.Id != sync.Id && s.Enabled)
            .Append(sync)
            .GroupBy(s => s.Source.Location, StringComparer.Ordinal)
            .Sum(g => g.Max(s => ExportsPerMonth(s.Cadence, now)));
        if (total <= AmplitudeMonthlyDownloads)
        {
            return null;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"cadence '{sync.Cadence}' can start up to {own:N0} cohort exports in 30 days ({total:N0} with the project's other syncs), over Amplitude's quota of {AmplitudeMonthlyDownloads} downloads a month. ")
            + "Runs whose cohort was not recomputed download nothing, but a cohort recomputed that often would exhaust the quota and further runs would wait on 429s: choose a slower cadence (hourly is 720 a month, daily 30).";
    }
}
