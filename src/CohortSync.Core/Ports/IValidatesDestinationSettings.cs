using CohortSync.Core.Definitions;

namespace CohortSync.Core.Ports;

/// <summary>
/// A connector that checks a destination's settings when the definition is saved (or checked by <c>cohortsync apply</c>),
/// so a destination that could never run is refused at definition time rather than failing its first run.
/// </summary>
public interface IValidatesDestinationSettings
{
    /// <summary>Every bad setting, by field name (for example <c>settings.partnerName</c>); empty when all are good.</summary>
    IReadOnlyDictionary<string, string[]> ValidateSettings(DestinationDefinition destination);
}
