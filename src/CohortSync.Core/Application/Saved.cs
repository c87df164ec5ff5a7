namespace CohortSync.Core.Application;

/// <summary>A saved definition, with its version tag and any warnings for the person who saved it.</summary>
public sealed record Saved<T>(T Value, string ETag, IReadOnlyList<string> Warnings);
