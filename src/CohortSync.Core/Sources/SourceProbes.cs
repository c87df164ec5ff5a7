using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CohortSync.Core.Sources;

/// <summary>
/// The registered <see cref="ISourceProbe"/>s, asked the way the scheduler and the run service need: a sync's current
/// version, or null when no probe serves its source or the probe cannot tell. A probe that fails is logged and read as
/// "cannot tell", so a run starts and reports the problem itself.
/// </summary>
public sealed class SourceProbes
{
    private readonly IReadOnlyList<ISourceProbe> _probes;
    private readonly ILogger<SourceProbes> _logger;

    /// <summary>Creates the set.</summary>
    public SourceProbes(IEnumerable<ISourceProbe> probes, ILogger<SourceProbes> logger)
    {
        _probes = probes.ToList();
        _logger = logger;
    }

    /// <summary>The source's own version (without the sync's fingerprint), or null.</summary>
    public async Task<string?> GetSourceVersionAsync(SyncDefinition sync, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sync);
        var probe = _probes.FirstOrDefault(p => p.Serves(sync.Source));
        if (probe is null)
        {
            return null;
        }

        try
        {
            return await probe.GetVersionAsync(sync.Source, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Any failure of a probe means "cannot tell": the run it lets start reports the real error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.SourceProbeFailed(sync.Id, ex);
            return null;
        }
    }

    /// <summary>The version to compare with <see cref="SyncState.SourceVersion"/> (source and definition), or null.</summary>
    public async Task<string?> GetVersionAsync(SyncDefinition sync, CancellationToken cancellationToken) =>
        await GetSourceVersionAsync(sync, cancellationToken) is { } source ? SourceVersions.Of(source, SourceVersions.Fingerprint(sync)) : null;
}
