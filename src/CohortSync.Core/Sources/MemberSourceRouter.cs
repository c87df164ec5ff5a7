using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Sources;

/// <summary>Routes a source to the factory for its type.</summary>
public sealed class MemberSourceRouter : IMemberSourceFactory
{
    private readonly IReadOnlyDictionary<string, IMemberSourceFactory> _factories;

    /// <summary>Creates the router from every registered typed factory.</summary>
    public MemberSourceRouter(IEnumerable<ITypedMemberSourceFactory> factories) =>
        _factories = factories.ToDictionary(f => f.SourceType, f => (IMemberSourceFactory)f, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _factories.TryGetValue(source.Type, out var factory)
            ? factory.OpenAsync(source, fields, exportTicket, cancellationToken)
            : throw new NotFoundException($"no member source of type '{source.Type}'; known: {string.Join(", ", _factories.Keys)}");
    }
}
