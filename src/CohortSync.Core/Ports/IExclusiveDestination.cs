using CohortSync.Core.Definitions;

namespace CohortSync.Core.Ports;

/// <summary>
/// A destination connector whose syncs must not share a scope. <see cref="Application.DefinitionService"/> refuses, when a
/// sync is saved or a set is applied, a sync whose destination's scope another sync already uses: nothing is stored.
/// </summary>
public interface IExclusiveDestination
{
    /// <summary>The scope a destination's sync holds alone, or null when its syncs cannot take members from each other.</summary>
    SyncExclusivity? Exclusivity(DestinationDefinition destination);
}
