namespace CohortSync.Core.Ports;

/// <summary>A value read with the version tag a later conditional write must present.</summary>
public sealed record Versioned<T>(T Value, string ETag);
