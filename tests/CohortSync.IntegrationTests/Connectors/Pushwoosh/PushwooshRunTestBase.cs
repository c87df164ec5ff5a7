using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Sandbox.Pushwoosh;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>What whole-run Pushwoosh tests share: a sandbox, an engine harness on Azurite, a destination, a cohort file.</summary>
public abstract class PushwooshRunTestBase(AzuriteFixture azurite) : SandboxTestBase("cohortsync-pw-")
{
    protected const string ServerSecret = "pushwoosh-server";
    protected const string Cohort = "Trial users";
    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    protected PushwooshSandbox Pushwoosh => Sandbox.Get<PushwooshSandbox>();

    /// <summary>The Pushwoosh user id a member has in user-id mode: <c>u5@example.com</c> is <c>id-u5</c>.</summary>
    protected static string UserIdOf(string email) =>
        "id-" + (email.IndexOf('@', StringComparison.Ordinal) is var at and > 0 ? email[..at] : email);

    protected static IEnumerable<string> Emails(int start, int count) => Enumerable.Range(start, count).Select(i => $"u{i}@example.com");

    private protected Task<EngineHarness> Harness() => EngineHarness.StartAsync(
        azurite.ConnectionString, _prefix, Sandbox, secrets: new Dictionary<string, string> { [ServerSecret] = PushwooshSandbox.DefaultServerToken });

    /// <summary>A sync of the cohort file to a sandbox destination, keyed by email or, with <paramref name="identifier"/> <c>userId</c>, by user id.</summary>
    private protected Task CreateSyncAsync(
        EngineHarness host, string syncId, string cohortPath, int batchSize = 1000, int requestsPerSecond = 200, int? maxDevicesPerRequest = null, string? identifier = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var settings = new Dictionary<string, string>
        {
            ["baseUrl"] = Sandbox.BaseAddress.ToString(),
            ["applicationCode"] = PushwooshSandbox.DefaultApplication,
            ["statusPollDelayMs"] = "10",
            ["requestsPerSecond"] = requestsPerSecond.ToString(CultureInfo.InvariantCulture),
        };
        if (maxDevicesPerRequest is { } max)
        {
            settings["maxDevicesPerRequest"] = max.ToString(CultureInfo.InvariantCulture);
        }

        if (identifier is not null)
        {
            settings["identifier"] = identifier;
        }

        var destination = new DestinationDefinition { Id = syncId + "-pw", Name = "sandbox pushwoosh", Type = "pushwoosh", Settings = settings, SecretName = ServerSecret };
        IdentifierMapping chain = identifier == "userId" ? new("user_id", KeyKind.UserId) : new("email", KeyKind.Email);
        return host.CreateSyncAsync(syncId, destination, cohortPath, [chain], batchSize: batchSize, cohortName: Cohort);
    }

    /// <summary>Writes the cohort (columns <c>user_id</c>, <c>email</c>) and returns its path.</summary>
    protected string WriteCohort(IEnumerable<string> emails, string? path = null)
    {
        path ??= Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCsv(path, ["user_id", "email"], emails.Select(e => (IReadOnlyList<string?>)[UserIdOf(e), e]));
        return path;
    }
}
