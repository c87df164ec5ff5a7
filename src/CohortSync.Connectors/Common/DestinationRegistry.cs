using CohortSync.Core.Errors;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Common;

/// <summary>Finds the connector registered for a destination type.</summary>
public sealed class DestinationRegistry : IDestinationRegistry
{
    private readonly Dictionary<string, IDestinationConnector> _connectors;

    /// <summary>Creates the registry from every registered connector.</summary>
    public DestinationRegistry(IEnumerable<IDestinationConnector> connectors) =>
        _connectors = connectors.ToDictionary(c => c.Type, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Types => _connectors.Keys;

    /// <inheritdoc/>
    public IDestinationConnector Resolve(string type) =>
        _connectors.TryGetValue(type, out var connector)
            ? connector
            : throw new NotFoundException($"unknown destination type '{type}'; known types: {string.Join(", ", _connectors.Keys.Order(StringComparer.Ordinal))}");
}
