namespace CohortSync.Core.Ports;

/// <summary>Finds connectors by type.</summary>
public interface IDestinationRegistry
{
    /// <summary>The connector for a type; throws <see cref="Errors.NotFoundException"/> for an unknown type.</summary>
    IDestinationConnector Resolve(string type);

    /// <summary>The known types.</summary>
    IReadOnlyCollection<string> Types { get; }
}
