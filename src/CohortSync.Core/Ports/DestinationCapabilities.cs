using CohortSync.Core.Identity;

namespace CohortSync.Core.Ports;

/// <summary>What a destination can take.</summary>
/// <param name="MaxBatchSize">The most changes one batch may hold (the vendor's per-request cap, or a multiple the connector splits).</param>
/// <param name="KeyKinds">The key kinds it accepts.</param>
/// <param name="Notes">Facts for the run report (for example "Braze never creates users").</param>
/// <param name="PreferredBatchSize">The batch size that keeps a send's requests full, used when a sync sets none.</param>
public sealed record DestinationCapabilities(int MaxBatchSize, IReadOnlyList<KeyKind> KeyKinds, IReadOnlyList<string> Notes, int? PreferredBatchSize = null);
