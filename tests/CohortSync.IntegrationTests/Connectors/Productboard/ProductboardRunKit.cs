using System.Globalization;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Sandbox;

namespace CohortSync.IntegrationTests.Connectors.Productboard;

/// <summary>The cohorts, destinations and syncs the Productboard run tests use.</summary>
internal static class ProductboardRunKit
{
    public const string SecretName = "productboard-token";

    public static HashSet<string> UserIds(IEnumerable<int> ids) =>
        ids.Select(i => string.Create(CultureInfo.InvariantCulture, $"user-{i}")).ToHashSet(StringComparer.Ordinal);

    // The sync carries external_id: the export has the column, empty where a member has none (a column the sync reads that
    // the cohort lacks fails the run).
    public static void WriteCohort(string path, IEnumerable<int> ids, Func<int, string>? email = null) =>
        EngineHarness.WriteCsv(path, ["user_id", "email", "external_id"], ids.Select(i => new string?[] { $"user-{i}", email?.Invoke(i) ?? $"u{i}@example.com", null }));

    public static DestinationDefinition Destination(SandboxHost sandbox, string id, double? requestsPerSecond = null)
    {
        var settings = new Dictionary<string, string> { ["baseUrl"] = new Uri(sandbox.BaseAddress, "productboard/").ToString() };
        if (requestsPerSecond is { } rps)
        {
            settings["requestsPerSecond"] = rps.ToString(CultureInfo.InvariantCulture);
        }

        return new DestinationDefinition { Id = id, Name = "sandbox productboard", Type = ProductboardConnector.TypeName, Settings = settings, SecretName = SecretName };
    }

    public static SyncDefinition Sync(string syncId, string destinationId, string cohortPath, string? cohortName = null, int batchSize = 1000) => new()
    {
        Id = syncId,
        Name = "sync " + syncId,
        DestinationId = destinationId,
        Source = new SourceDefinition("file", cohortPath, cohortName ?? "Cohort " + syncId),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Carry = [new CarriedField("email", ProductboardMember.EmailField), new CarriedField("external_id", ProductboardMember.ExternalIdField)],
        BatchSize = batchSize,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    public static Task CreateSyncAsync(EngineHarness host, string syncId, string cohortPath, int batchSize = 1000, double? requestsPerSecond = null, string? cohortName = null) =>
        host.CreateSyncAsync(
            syncId,
            Destination(host.Sandbox, syncId + "-pb", requestsPerSecond),
            cohortPath,
            [new IdentifierMapping("user_id", KeyKind.UserId)],
            [new CarriedField("email", ProductboardMember.EmailField), new CarriedField("external_id", ProductboardMember.ExternalIdField)],
            batchSize,
            cohortName);
}
