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
using CohortSync.Durable;
using CohortSync.LocalHost.Engine;
using CohortSync.Sandbox;
using CohortSync.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;

namespace CohortSync.IntegrationTests;

/// <summary>
/// One local host, as the CLI builds it, on Azurite and the sandbox: Core, the Table store, real connectors over HTTP, and
/// the run's orchestrator and activities on the Durable Task engine (the in-process sidecar and gRPC worker). The engine's
/// backend is in memory by default (fast, and gone with the harness) or Durable Task's Azure Storage provider on Azurite
/// (<c>durableStorage</c>), where two harnesses on the same table prefix are two processes sharing storage and a task hub
/// (a restart, or a rival host).
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string WebhookSecretName = "webhook-secret";
    private readonly IHost _host;
    private bool _stopped;

    private EngineHarness(IHost host, SandboxHost sandbox, IConfigurationRoot configuration)
    {
        _host = host;
        Sandbox = sandbox;
        Configuration = configuration;
    }

    /// <summary>Builds the host and starts its engine.</summary>
    public static async Task<EngineHarness> StartAsync(
        string connectionString,
        string tablePrefix,
        SandboxHost sandbox,
        int maxParallelActivities = 8,
        TimeProvider? time = null,
        IReadOnlyDictionary<string, string>? secrets = null,
        bool keyVault = false,
        Microsoft.Extensions.Logging.ILoggerProvider? logs = null,
        TimeSpan? httpTimeout = null,
        bool durableStorage = false,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var configured = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = tablePrefix,
            ["Engine:Backend"] = durableStorage ? nameof(EngineBackend.AzureStorage) : nameof(EngineBackend.InMemory),
            ["Engine:TaskHub"] = "hub" + tablePrefix,
            ["Engine:PartitionCount"] = "1",
            ["Engine:RecoveryTimeout"] = "00:00:06",
            ["Engine:MaxQueuePollingInterval"] = "00:00:00.200",
            ["Engine:MaxConcurrentActivities"] = maxParallelActivities.ToString(CultureInfo.InvariantCulture),
            ["Workflow:Retry:MaxAttempts"] = "5",
            ["Workflow:Retry:FirstInterval"] = "00:00:01",
            ["Workflow:Retry:MaxInterval"] = "00:00:02",
            ["Secrets:" + WebhookSecretName] = sandbox.Webhook.Secret,
        };
        foreach (var (name, value) in secrets ?? new Dictionary<string, string>())
        {
            configured["Secrets:" + name] = value;
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            configured[name] = value;
        }

        if (keyVault)
        {
            // The secrets move from configuration to the sandbox's Key Vault, read through the real SecretClient.
            configured["KeyVault:VaultUri"] = sandbox.HttpsBaseAddress.ToString();
            foreach (var (name, value) in configured.Where(s => s.Key.StartsWith("Secrets:", StringComparison.Ordinal)).ToList())
            {
                sandbox.KeyVault.SetSecret(name["Secrets:".Length..], value!);
                configured.Remove(name);
            }
        }

        var builder = LocalHostBuilder.Create(configured);
        var configuration = (IConfigurationRoot)builder.Configuration;
        builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        if (Environment.GetEnvironmentVariable("COHORTSYNC_TEST_CONSOLE_LOG") is { Length: > 0 } level)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(Enum.Parse<Microsoft.Extensions.Logging.LogLevel>(level))
                .AddFilter("Microsoft.AspNetCore", Microsoft.Extensions.Logging.LogLevel.Warning)
                .AddFilter("DurableTask.AzureStorage", Microsoft.Extensions.Logging.LogLevel.Warning)
                .AddFilter("DurableTask.Core", Microsoft.Extensions.Logging.LogLevel.Warning);
        }

        var services = builder.Services;
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

        var host = builder.Build();
        await host.StartAsync();
        return new EngineHarness(host, sandbox, configuration);
    }

    public SandboxHost Sandbox { get; }

    /// <summary>
    /// The host's configuration: set <c>Secrets:{name}</c> here to rotate a key behind the secret cache's back (with
    /// <c>keyVault</c>, rotate in <see cref="SandboxHost.KeyVault"/> instead).
    /// </summary>
    public IConfigurationRoot Configuration { get; }

    public DurableWorkflowEngine Engine => Services.GetRequiredService<DurableWorkflowEngine>();

    public IServiceProvider Services => _host.Services;

    public RunService Runs => Services.GetRequiredService<RunService>();

    public SchedulerService Scheduler => Services.GetRequiredService<SchedulerService>();

    public ISyncStore Store => Services.GetRequiredService<ISyncStore>();

    /// <summary>The Table Storage adapter itself, for <see cref="Azure.Tables.TableStateStore.Transactions"/>.</summary>
    public Azure.Tables.TableStateStore Tables => Services.GetRequiredService<Azure.Tables.TableStateStore>();

    public BaselineRepository Baselines => Services.GetRequiredService<BaselineRepository>();

    public ISnapshotStore Snapshots => Services.GetRequiredService<ISnapshotStore>();

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
        return await Eventually.UntilAsync(
            async () => (await Store.GetRunAsync(runId))!.Value,
            run => run.Status == status,
            timeout ?? TimeSpan.FromSeconds(30),
            $"run {runId} to be {status}",
            run => run.Status.ToString());
    }

    /// <summary>Stops the engine where it is, as a stopped process would: the runs stay in the task hub.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }

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
