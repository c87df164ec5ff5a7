using CohortSync.Azure.Tables;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow.Activities;
using CohortSync.LocalHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Bench.Planning;

/// <summary>
/// The real local host (Core, Table Storage, connectors) as <see cref="ServiceCollectionExtensions.AddCohortSyncLocalHost"/>
/// wires it, with the two store ports wrapped in meters. Nothing else is replaced: the activities are the ones a run uses.
/// With <c>engine</c>, <see cref="StartAsync"/> starts its Durable Task engine on Durable Task's Azure Storage backend, on
/// the same storage, in a task hub of the prefix's own.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _started;

    public BenchHost(string connectionString, string tablePrefix, bool engine = false)
    {
        var builder = LocalHostBuilder.Create(
            new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = connectionString,
                ["Storage:TablePrefix"] = tablePrefix,
                ["Engine:TaskHub"] = "hub" + tablePrefix,
                ["Engine:PartitionCount"] = "1",
            },
            engine);
        var services = builder.Services;

        // Later registrations win: the activities and BaselineRepository get the metered ports over the real TableStateStore.
        services.AddSingleton(sp => new StoreMeters(sp.GetRequiredService<TableStateStore>()));
        services.AddSingleton<ISyncStore>(sp => new MeteredSyncStore(sp.GetRequiredService<TableStateStore>(), sp.GetRequiredService<StoreMeters>().Sync));
        services.AddSingleton<ISnapshotStore>(sp => new MeteredSnapshotStore(sp.GetRequiredService<TableStateStore>(), sp.GetRequiredService<StoreMeters>().Snapshot));
        _host = builder.Build();
    }

    private IServiceProvider _services => _host.Services;

    /// <summary>Starts the host (and its engine, if it has one).</summary>
    public async Task StartAsync()
    {
        await _host.StartAsync();
        _started = true;
    }

    public TableStateStore Tables => _services.GetRequiredService<TableStateStore>();

    public ISyncStore Store => _services.GetRequiredService<ISyncStore>();

    public ISnapshotStore Snapshots => _services.GetRequiredService<ISnapshotStore>();

    public BaselineRepository Baselines => _services.GetRequiredService<BaselineRepository>();

    public PrepareRunActivity Prepare => _services.GetRequiredService<PrepareRunActivity>();

    public CommitRunActivity Commit => _services.GetRequiredService<CommitRunActivity>();

    public StoreMeters Meters => _services.GetRequiredService<StoreMeters>();

    /// <summary>Any other service of the wiring (the scheduler, the local engine).</summary>
    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await _host.StopAsync();
        }

        _host.Dispose();
    }
}

/// <summary>One meter per store port.</summary>
public sealed class StoreMeters
{
    public StoreMeters(TableStateStore tables)
    {
        Sync = new StoreMeter(tables);
        Snapshot = new StoreMeter(tables);
    }

    public StoreMeter Sync { get; }

    public StoreMeter Snapshot { get; }
}
