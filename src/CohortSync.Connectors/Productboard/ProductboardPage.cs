namespace CohortSync.Connectors.Productboard;

/// <summary>A page of a Productboard list: its items and the absolute <c>links.next</c> (null at the end).</summary>
/// <typeparam name="T">The item.</typeparam>
/// <param name="Items">The page's items.</param>
/// <param name="Next">The next page's address, or null.</param>
public sealed record ProductboardPage<T>(IReadOnlyList<T> Items, Uri? Next);
