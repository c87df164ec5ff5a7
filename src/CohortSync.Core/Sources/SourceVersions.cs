using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CohortSync.Core.Definitions;
using CohortSync.Core.Runs;

namespace CohortSync.Core.Sources;

/// <summary>
/// The version a sync's baseline was synced from (<see cref="Ports.SyncState.SourceVersion"/>): the source's version as an
/// <see cref="Ports.ISourceProbe"/> reads it, joined with a fingerprint of the sync's definition, so that editing the sync
/// (its identifiers, carried fields, source, destination) makes the next scheduled run happen even when the source did not
/// change. A run records it on the sync's state only when it leaves the destination in step with that version.
/// </summary>
public static class SourceVersions
{
    private static readonly JsonSerializerOptions Json = new();

    /// <summary>The version of a cohort the source computed at <paramref name="computedAt"/> (an export's version).</summary>
    public static string Computed(DateTimeOffset computedAt) =>
        "computed:" + computedAt.UtcTicks.ToString(CultureInfo.InvariantCulture);

    /// <summary>A fingerprint of the whole sync definition: any edit changes it.</summary>
    public static string Fingerprint(SyncDefinition sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        // Notifications change nothing a run sends, so they are left out: editing them does not make the next run happen.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(sync with { Notifications = null }, Json)));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    /// <summary>The version to compare with <see cref="Ports.SyncState.SourceVersion"/>.</summary>
    public static string Of(string sourceVersion, string fingerprint) => sourceVersion + "#" + fingerprint;

    /// <summary>
    /// What the sync's <see cref="Ports.SyncState.SourceVersion"/> becomes when <paramref name="run"/> finishes: the run's
    /// version when it completed with nothing pending (<see cref="RunStatus.Completed"/> or
    /// <see cref="RunStatus.CompletedWithRejections"/>: every batch settled); unchanged after a dry run or a rejected run,
    /// which leave the baseline as it was; otherwise (<see cref="RunStatus.PartlyFailed"/>, <see cref="RunStatus.Failed"/>)
    /// null, so the next scheduled run happens and retries what is pending.
    /// </summary>
    /// <param name="run">The finished run.</param>
    /// <param name="before">The version the state held before.</param>
    public static string? AfterRun(RunRecord run, string? before)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Mode == RunMode.DryRun || run.Status is RunStatus.DryRunCompleted or RunStatus.Rejected)
        {
            return before;
        }

        // A run whose members were refused is in step (the same members would be refused again); one with failed batches
        // is not: they are pending.
        if (run.Status is not (RunStatus.Completed or RunStatus.CompletedWithRejections) || run.Outcome is not { FailedBatches: 0 } || run.SyncFingerprint is null)
        {
            return null;
        }

        var source = run.SourceVersion ?? (run.Export?.ComputedAt is { } computedAt ? Computed(computedAt) : null);
        return source is null ? null : Of(source, run.SyncFingerprint);
    }
}
