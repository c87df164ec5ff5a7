using System.Globalization;
using System.Text;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.IntegrationTests.Secrets;
using CohortSync.LocalHost;
using CohortSync.LocalHost.Runner;
using CohortSync.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;

namespace CohortSync.IntegrationTests;

/// <summary>
/// One local host, as the CLI builds it, on Azurite and the sandbox: Core, the Table store, real connectors over HTTP, the
/// local runner. Two harnesses on the same table prefix are two processes sharing storage (a restart, or a rival host).
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string WebhookSecretName = "webhook-secret";
    private readonly ServiceProvider _services;

    public EngineHarness(
        string connectionString,
        string tablePrefix,
        SandboxHost sandbox,
        int maxParallelActivities = 8,
        TimeProvider? time = null,
        IReadOnlyDictionary<string, string>? secrets = null,
        bool keyVault = false,
        Microsoft.Extensions.Logging.ILoggerProvider? logs = null,
        TimeSpan? httpTimeout = null)
    {
        Sandbox = sandbox;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = tablePrefix,
            ["Runner:MaxParallelActivities"] = maxParallelActivities.ToString(CultureInfo.InvariantCulture),
            ["Runner:BaseDelay"] = "00:00:00.020",
            ["Runner:MaxDelay"] = "00:00:00.200",
            ["Runner:MaxRetryAttempts"] = "3",
            ["Secrets:" + WebhookSecretName] = sandbox.Webhook.Secret,
        };
        foreach (var (name, value) in secrets ?? new Dictionary<string, string>())
        {
            settings["Secrets:" + name] = value;
        }

        if (keyVault)
        {
            // The secrets move from configuration to the sandbox's Key Vault, read through the real SecretClient.
            settings["KeyVault:VaultUri"] = sandbox.HttpsBaseAddress.ToString();
            foreach (var (name, value) in settings.Where(s => s.Key.StartsWith("Secrets:", StringComparison.Ordinal)).ToList())
            {
                sandbox.KeyVault.SetSecret(name["Secrets:".Length..], value!);
                settings.Remove(name);
            }
        }

        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var configuration = Configuration;
        var services = new ServiceCollection()
            .AddLogging(builder =>
            {
                builder.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
                if (logs is not null)
                {
                    builder.AddProvider(logs);
                }
            })
            .AddCohortSyncLocalHost(configuration);
        if (keyVault)
        {
            services.AddSandboxKeyVaultClient();
        }

        if (time is not null)
        {
            services.AddSingleton(time);
        }

        if (httpTimeout is { } timeout)
        {
            // Shorter than the connectors' 30 s, so that a request a fault storm holds until the client gives up costs seconds.
            services.ConfigureAll<HttpClientFactoryOptions>(options => options.HttpClientActions.Add(client => client.Timeout = timeout));
        }

        _services = services.BuildServiceProvider();
    }

    public SandboxHost Sandbox { get; }

    /// <summary>
    /// The host's configuration: set <c>Secrets:{name}</c> here to rotate a key behind the secret cache's back (with
    /// <c>keyVault</c>, rotate in <see cref="SandboxHost.KeyVault"/> instead).
    /// </summary>
    public IConfigurationRoot Configuration { get; }

    public LocalWorkflowEngine Engine => _services.GetRequiredService<LocalWorkflowEngine>();

    public RunService Runs => _services.GetRequiredService<RunService>();

    public SchedulerService Scheduler => _services.GetRequiredService<SchedulerService>();

    public ISyncStore Store => _services.GetRequiredService<ISyncStore>();

    /// <summary>The Table Storage adapter itself, for <see cref="Azure.Tables.TableStateStore.Transactions"/>.</summary>
    public Azure.Tables.TableStateStore Tables => _services.GetRequiredService<Azure.Tables.TableStateStore>();

    public BaselineRepository Baselines => _services.GetRequiredService<BaselineRepository>();

    public ISnapshotStore Snapshots => _services.GetRequiredService<ISnapshotStore>();

    /// <summary>Defines a webhook destination on the sandbox and a sync from a CSV file with a user_id column.</summary>
    public async Task CreateWebhookSyncAsync(string syncId, string cohortPath, int batchSize = 1000, GuardrailSettings? guardrail = null, string cadence = "manual")
    {
        var destination = new DestinationDefinition
        {
            Id = syncId + "-hook",
            Name = "sandbox webhook",
            Type = "webhook",
            Settings = new Dictionary<string, string> { ["url"] = new Uri(Sandbox.BaseAddress, "webhook").ToString() },
            SecretName = WebhookSecretName,
        };
        await Store.SaveDestinationAsync(destination, null);
        await Store.SaveSyncAsync(
            new SyncDefinition
            {
                Id = syncId,
                Name = "sync " + syncId,
                DestinationId = destination.Id,
                Source = new SourceDefinition("file", cohortPath, "Cohort " + syncId),
                Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
                Carry = [new CarriedField("email", "email")],
                BatchSize = batchSize,
                Guardrail = guardrail ?? GuardrailSettings.Default,
                Cadence = cadence,
                CreatedAt = DateTimeOffset.UtcNow,
            },
            null);
    }

    /// <summary>Saves a destination and a sync of a cohort file to it.</summary>
    public async Task CreateSyncAsync(
        string syncId,
        DestinationDefinition destination,
        string cohortPath,
        IReadOnlyList<IdentifierMapping> identifiers,
        IReadOnlyList<CarriedField>? carry = null,
        int batchSize = 1000,
        string? cohortName = null)
    {
        await Store.SaveDestinationAsync(destination, null);
        await Store.SaveSyncAsync(
            new SyncDefinition
            {
                Id = syncId,
                Name = "sync " + syncId,
                DestinationId = destination.Id,
                Source = new SourceDefinition("file", cohortPath, cohortName ?? "Cohort " + syncId),
                Identifiers = identifiers,
                Carry = carry ?? [],
                BatchSize = batchSize,
                CreatedAt = DateTimeOffset.UtcNow,
            },
            null);
    }

    /// <summary>Writes an Amplitude-style CSV: a header and rows, every value tab-prefixed, empty values left empty.</summary>
    public static void WriteCsv(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows)
    {
        static string Field(string? value) =>
            string.IsNullOrEmpty(value) ? string.Empty : "\"\t" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        var text = new StringBuilder(string.Join(',', header.Select(Field))).Append('\n');
        foreach (var row in rows)
        {
            text.Append(string.Join(',', row.Select(Field))).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Starts a manual run and waits for the engine to finish it.</summary>
    public async Task<RunRecord> RunAsync(string syncId, RunMode mode = RunMode.Incremental)
    {
        var start = await Runs.StartAsync(syncId, mode);
        await Engine.WaitAsync(start.Run.RunId).WaitAsync(TimeSpan.FromMinutes(2));
        return (await Store.GetRunAsync(start.Run.RunId))!.Value;
    }

    /// <summary>Polls until a run reaches a status (a condition, not a sleep), or fails after a timeout.</summary>
    public async Task<RunRecord> WaitForStatusAsync(string runId, RunStatus status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var run = (await Store.GetRunAsync(runId))!.Value;
            if (run.Status == status)
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"run {runId} is {run.Status}, not {status}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    /// <summary>Writes an Amplitude-style CSV (tab-prefixed values) of users <c>user-{n}</c>.</summary>
    public static void WriteCohort(string path, IEnumerable<int> ids, Func<int, string>? email = null, IEnumerable<string>? extraIds = null)
    {
        var text = new StringBuilder("\"\tuser_id\",\"\temail\"\n");
        foreach (var id in ids)
        {
            text.Append(CultureInfo.InvariantCulture, $"\tuser-{id},\t{(email ?? (n => $"u{n}@example.com"))(id)}\n");
        }

        foreach (var extra in extraIds ?? [])
        {
            text.Append(CultureInfo.InvariantCulture, $"\t{extra},\t{extra}@example.com\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>The sandbox keys for users <c>user-{n}</c>.</summary>
    public static HashSet<string> Keys(IEnumerable<int> ids) => ids.Select(i => $"userId:user-{i}").ToHashSet(StringComparer.Ordinal);
}
