using CohortSync.Core.Definitions;
using CohortSync.Core.Members;

namespace CohortSync.Core.Ports;

/// <summary>Opens a sync's source as a reader of members.</summary>
public interface IMemberSourceFactory
{
    /// <summary>
    /// Opens the source as a reader, which the caller disposes. It streams, once. Malformed input throws
    /// <see cref="MalformedSourceException"/> while opening (a CSV without a header) or reading.
    /// </summary>
    /// <param name="source">The source definition.</param>
    /// <param name="fields">The fields the identifier chain needs (a source may export only these).</param>
    /// <param name="exportTicket">The run's export, for sources that export (null otherwise).</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken);
}
