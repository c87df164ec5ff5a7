namespace CohortSync.BrowserTests;

/// <summary>One seeded host (and one browser) for the status page's tests, which run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class StatusPageCollection : ICollectionFixture<StatusPageFixture>
{
    public const string Name = "StatusPage";
}
