using System.Globalization;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Core.Snapshots;
using CohortSync.LocalHost;
using CohortSync.Durable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;

namespace CohortSync.Trials;

/// <summary>
/// The local host's services in this process, as the CLI composes them, on one table prefix: the trials read stored state
/// through it (runs, batches, the baseline through <see cref="BaselineRepository"/>), and the fault storms run whole syncs
/// on its Durable Task engine. A host made with <c>engine: false</c> starts no engine, so it takes no work.
/// </summary>
public sealed class InProcessHost : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessHost(IHost host, IReadOnlyDictionary<string, string> settings)
    {
        _host = host;
        Settings = settings;
    }

    /// <summary>Builds the host and starts it.</summary>
    /// <param name="connectionString">Azurite.</param>
    /// <param name="tablePrefix">The table prefix (one per trial).</param>
    /// <param name="secrets">Secrets by name, read from configuration as the CLI reads them.</param>
    /// <param name="httpTimeout">Replaces the connectors' 30 s client timeout (the storms shorten it, so a timed-out request costs seconds).</param>
    /// <param name="engine">Whether this host runs an engine (the storms) or only reads state (the crash trials).</param>
    public static async Task<InProcessHost> StartAsync(
        string connectionString, string tablePrefix, IReadOnlyDictionary<string, string> secrets, TimeSpan? httpTimeout = null, bool engine = true)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var settings = Trials.Settings.For(connectionString, tablePrefix, secrets);
        var builder = LocalHostBuilder.Create(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)), engine);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        if (httpTimeout is { } timeout)
        {
            builder.Services.ConfigureAll<HttpClientFactoryOptions>(options => options.HttpClientActions.Add(client => client.Timeout = timeout));
        }

        var host = builder.Build();
        await host.StartAsync();
        return new InProcessHost(host, settings);
    }

    /// <summary>The configuration, as settings a <see cref="LocalHostProcess"/> takes.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The state store.</summary>
    public ISyncStore Store => _host.Services.GetRequiredService<ISyncStore>();

    /// <summary>Stored baselines.</summary>
    public BaselineRepository Baselines => _host.Services.GetRequiredService<BaselineRepository>();

    /// <summary>Starts runs.</summary>
    public RunService Runs => _host.Services.GetRequiredService<RunService>();

    /// <summary>The engine port (wait for a run here).</summary>
    public DurableWorkflowEngine Engine => _host.Services.GetRequiredService<DurableWorkflowEngine>();

    /// <summary>Saves a destination and a sync of a cohort file to it.</summary>
    public async Task DefineAsync(string syncId, DestinationDefinition destination, string cohortPath, TrialDestination kind)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(kind);
        await Store.SaveDestinationAsync(destination, null);
        await Store.SaveSyncAsync(
            new SyncDefinition
            {
                Id = syncId,
                Name = "trial " + syncId,
                DestinationId = destination.Id,
                Source = new SourceDefinition("file", cohortPath, kind.CohortName(syncId)),
                Identifiers = kind.Identifiers,
                Carry = kind.Carry,
                BatchSize = kind.BatchSize,
                CreatedAt = DateTimeOffset.UtcNow,
            },
            null);
    }

    /// <summary>Runs a sync on this process's runner and returns the finished run.</summary>
    public async Task<RunRecord> RunAsync(string syncId, TimeSpan timeout)
    {
        var start = await Runs.StartAsync(syncId, RunMode.Incremental);
        await Engine.WaitAsync(start.Run.RunId).WaitAsync(timeout);
        return (await Store.GetRunAsync(start.Run.RunId))!.Value;
    }

    /// <summary>The latest run of a sync, or null.</summary>
    public async Task<RunRecord?> LatestRunAsync(string syncId) =>
        (await Store.ListRunsAsync(syncId, 10)).OrderByDescending(r => r.CreatedAt).FirstOrDefault();

    /// <summary>The destination key values (for example <c>user-7</c>) in the stored baseline.</summary>
    public async Task<HashSet<string>> BaselineValuesAsync(string syncId)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        using var cursor = (await Baselines.ReadAsync(syncId)).Open();
        while (cursor.MoveNext())
        {
            values.Add(Core.Identity.DestinationKey.Decode(cursor.ToEntry().Key).Value);
        }

        return values;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>A table prefix no other trial uses.</summary>
    public static string NewTablePrefix() => "tr" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Formats a count with thousands separators.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
