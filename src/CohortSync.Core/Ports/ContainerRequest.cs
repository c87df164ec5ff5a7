namespace CohortSync.Core.Ports;

/// <summary>What Prepare asks of a destination before sending: a container for the cohort.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="CohortName">The cohort's name, to name the list or cohort.</param>
/// <param name="ExistingContainerId">The container created before, if any.</param>
/// <param name="CreatedAt">When the sync was created.</param>
public sealed record ContainerRequest(string SyncId, string CohortName, string? ExistingContainerId, DateTimeOffset CreatedAt);
