using CohortSync.Core.Definitions;
using CohortSync.Core.Members;

namespace CohortSync.Core.Ports;

/// <summary>Opens a sync's source as a stream of members.</summary>
public interface IMemberSourceFactory
{
    /// <summary>
    /// Opens the source. The sequence streams; it may be enumerated once. Malformed input throws
    /// <see cref="MalformedSourceException"/> while enumerating.
    /// </summary>
    /// <param name="source">The source definition.</param>
    /// <param name="fields">The fields the identifier chain needs (a source may export only these).</param>
    /// <param name="exportTicket">The run's export, for sources that export (null otherwise).</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    Task<IEnumerable<MemberRecord>> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken);
}
