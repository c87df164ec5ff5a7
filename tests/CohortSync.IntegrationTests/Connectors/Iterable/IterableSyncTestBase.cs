using System.Globalization;
using CohortSync.Connectors.Iterable;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Runs;
using CohortSync.Sandbox.Iterable;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>
/// What the Iterable whole-run tests share: a sandbox per test, a table prefix and a folder for cohorts, the engine harness
/// with the destination's secret (and captured logs), and the destination pointed at the sandbox.
/// </summary>
public abstract class IterableSyncTestBase(AzuriteFixture azurite) : SandboxTestBase("cohortsync-iterable-"), IDisposable
{
    /// <summary>The destination's secret name.</summary>
    protected const string SecretName = "iterable-key";

    private readonly string _prefix = AzuriteFixture.NewTablePrefix();

    /// <summary>A folder for cohort files, deleted after the test.</summary>

    /// <summary>Every log line of the harness.</summary>
    protected CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The Iterable sandbox.</summary>
    protected IterableSandbox Iterable => Sandbox.Get<IterableSandbox>();

    /// <summary>The default identifier chain: Amplitude user_id as Iterable userId.</summary>
    protected static IReadOnlyList<IdentifierMapping> ByUserId => [new IdentifierMapping("user_id", KeyKind.UserId)];

    /// <inheritdoc/>
    protected override Task StartedAsync()
    {
        Iterable.ListUpdates.PermitsPerSecond = 100;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>

    /// <inheritdoc/>
    public void Dispose()
    {
        Logs.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The list a run synced to.</summary>
    protected static long ListId(RunRecord run) => long.Parse(run.Plan!.ContainerId!, CultureInfo.InvariantCulture);

    /// <summary>Starts the engine with the destination's secret holding <paramref name="key"/>.</summary>
    private protected Task<EngineHarness> Harness(string key = IterableSandbox.DefaultApiKey) =>
        EngineHarness.StartAsync(azurite.ConnectionString, _prefix, Sandbox, secrets: new Dictionary<string, string> { [SecretName] = key }, logs: Logs);

    /// <summary>The destination on the sandbox's US host.</summary>
    protected DestinationDefinition Destination(params (string Name, string Value)[] settings) => Destination("us", settings);

    /// <summary>The destination on the sandbox's host of a data center (<c>us</c> or <c>eu</c>).</summary>
    protected DestinationDefinition Destination(string dataCenter, params (string Name, string Value)[] settings)
    {
        var all = new Dictionary<string, string>
        {
            ["baseUrl"] = new Uri(Sandbox.BaseAddress, $"iterable/{dataCenter}/").ToString(),
            ["requestsPerSecond"] = "100",
        };
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return new DestinationDefinition { Id = "iterable", Name = "Iterable sandbox", Type = IterableConnector.TypeName, SecretName = SecretName, Settings = all };
    }

    /// <summary>Writes the standard cohort of these ids and returns its path.</summary>
    protected string Cohort(IEnumerable<int> ids)
    {
        var path = Path.Combine(Dir, "cohort.csv");
        EngineHarness.WriteCohort(path, ids);
        return path;
    }
}
