namespace CohortSync.Connectors.Amplitude;

/// <summary>A cohort as Amplitude lists it.</summary>
/// <param name="Id">The cohort id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Size">Its member count at the last computation.</param>
/// <param name="LastComputed">When Amplitude last computed it.</param>
/// <param name="Archived">True when archived.</param>
public sealed record AmplitudeCohort(string Id, string Name, long Size, DateTimeOffset LastComputed, bool Archived);
