using CohortSync.Azure.Tables;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.Core.Workflow.Activities;
using CohortSync.LocalHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.PlanBench;

/// <summary>
/// The real local host (Core, Table Storage, connectors) as <see cref="ServiceCollectionExtensions.AddCohortSyncLocalHost"/>
/// wires it, with the two store ports wrapped in meters. Nothing else is replaced: the activities are the ones a run uses.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public BenchHost(string connectionString, string tablePrefix)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = tablePrefix,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddCohortSyncLocalHost(configuration);

        // Later registrations win: the activities and BaselineRepository get the metered ports over the real TableStateStore.
        services.AddSingleton(sp => new StoreMeters(sp.GetRequiredService<TableStateStore>()));
        services.AddSingleton<ISyncStore>(sp => new MeteredSyncStore(sp.GetRequiredService<TableStateStore>(), sp.GetRequiredService<StoreMeters>().Sync));
        services.AddSingleton<ISnapshotStore>(sp => new MeteredSnapshotStore(sp.GetRequiredService<TableStateStore>(), sp.GetRequiredService<StoreMeters>().Snapshot));
        _services = services.BuildServiceProvider();
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

    public ValueTask DisposeAsync() => _services.DisposeAsync();
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
