using CohortSync.Core.Definitions;

namespace CohortSync.Core.Ports;

/// <summary>
/// Tells cheaply, without reading the members, which version of a source is there now: a file's size and write time, an
/// Amplitude cohort's last computation. The scheduler compares it with the version the baseline was synced from
/// (<see cref="SyncState.SourceVersion"/>) and starts no run when they are equal.
/// </summary>
public interface ISourceProbe
{
    /// <summary>True for the sources this probe can check.</summary>
    bool Serves(SourceDefinition source);

    /// <summary>
    /// The source's current version as an opaque string (equal strings mean the same members), or null when it cannot
    /// tell (a missing file, an archived cohort): then a run is started, and it reports what is wrong.
    /// </summary>
    /// <param name="source">The sync's source.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<string?> GetVersionAsync(SourceDefinition source, CancellationToken cancellationToken);
}
