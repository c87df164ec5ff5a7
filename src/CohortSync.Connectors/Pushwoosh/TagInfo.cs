namespace CohortSync.Connectors.Pushwoosh;

/// <summary>A tag as <c>listTags</c> returns it.</summary>
/// <param name="Name">The tag's name.</param>
/// <param name="Type">Its type: 1 integer, 2 string, 3 list, 4 date, 5 boolean, 6 decimal, 7 version.</param>
public sealed record TagInfo(string Name, int Type);
