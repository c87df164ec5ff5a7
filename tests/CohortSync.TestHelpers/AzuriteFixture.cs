using CohortSync.Testing;

namespace CohortSync.TestHelpers;

/// <summary>
/// Azurite for integration tests: the instance <c>eng/test.sh</c> started (<c>COHORTSYNC_TEST_STORAGE</c>), or, when the
/// tests run on their own (an IDE, <c>dotnet test</c>), a private one (<see cref="Azurite"/>) stopped afterwards. Tests
/// isolate themselves with a fresh table prefix each.
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    private readonly Azurite _azurite = Azurite.ConfiguredOrStart();

    /// <summary>The storage connection string (blob, queue and table endpoints).</summary>
    public string ConnectionString => _azurite.ConnectionString;

    /// <summary>A table prefix no other test uses.</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The repository root (the folder holding CohortSyncFunctions.sln).</summary>
    public static string RepositoryRoot() => Azurite.RepositoryRoot();

    public void Dispose() => _azurite.Dispose();
}
