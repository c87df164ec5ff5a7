using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Sources;

/// <summary>
/// The version of a <c>file</c> source: its length and last write time (to the tick), read with one stat and no read of
/// its content. Whoever replaces the file changes one or the other; the path itself is part of the sync's fingerprint.
/// </summary>
public sealed class FileSourceProbe : ISourceProbe
{
    /// <inheritdoc/>
    public bool Serves(SourceDefinition source) => string.Equals(source?.Type, "file", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public Task<string?> GetVersionAsync(SourceDefinition source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var file = new FileInfo(source.Location);
        return Task.FromResult(file.Exists
            ? string.Create(CultureInfo.InvariantCulture, $"file:{file.Length}:{file.LastWriteTimeUtc.Ticks}")
            : null);
    }
}
