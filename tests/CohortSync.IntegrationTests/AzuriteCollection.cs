using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests;

/// <summary>One Azurite for every integration test (xunit needs the definition in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
