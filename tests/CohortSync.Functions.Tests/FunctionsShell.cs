using System.Globalization;
using System.Reflection;
using CohortSync.Api;
using CohortSync.Core;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Durable;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace CohortSync.Functions.Tests;

/// <summary>A call the Durable client received.</summary>
internal sealed record ScheduledOrchestration(TaskName Name, object? Input, StartOrchestrationOptions? Options);

/// <summary>An event the Durable client raised.</summary>
internal sealed record RaisedEvent(string InstanceId, string Name, object? Payload);

/// <summary>
/// The functions' graph as the app builds it (Core, the API, the Durable engine port) with the Azure adapters replaced by
/// mocks: an in-memory <see cref="ISyncStore"/> over dictionaries, and a mocked <see cref="DurableTaskClient"/> inside the
/// wrapper the <c>[DurableClient]</c> binding hands a function.
/// </summary>
internal sealed class FunctionsShell : IDisposable
{
    public const string DurableBaseUrl = "http://localhost:7071/runtime/webhooks/durabletask";
    public const string DurableQuery = "taskHub=CohortSync&connection=Storage&code=system-key";

    private readonly Dictionary<string, SyncDefinition> _syncs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SyncState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RunRecord> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrchestrationMetadata> _instances = new(StringComparer.Ordinal);
    private readonly List<RunRecord> _savedRuns = [];
    private readonly List<ScheduledOrchestration> _scheduled = [];
    private readonly List<RaisedEvent> _raised = [];
    private readonly Lock _lock = new();
    private int _etag;

    public FunctionsShell(DateTimeOffset now)
    {
        Time = new FakeTimeProvider(now);
        SetUpStore();
        SetUpClient();

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddCohortSyncCore();
        services.AddCohortSyncApi();
        services.AddCohortSyncDurable(new ConfigurationBuilder().Build());
        services.AddSingleton(Store.Object);
        services.AddSingleton(Mock.Of<ISnapshotStore>());
        services.AddSingleton(Mock.Of<ISecretStore>());
        services.AddSingleton(Mock.Of<IDestinationRegistry>());
        services.AddSingleton(Mock.Of<Core.Notifications.INotificationSender>());
        services.AddSingleton(Mock.Of<Core.Sources.Webhooks.ICohortWebhookStore>());
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Client = Bound(InnerClient.Object);
    }

    public FakeTimeProvider Time { get; }

    public Mock<ISyncStore> Store { get; } = new();

    /// <summary>The engine-side client; what a function receives is <see cref="Client"/>, the binding's wrapper around it.</summary>
    public Mock<DurableTaskClient> InnerClient { get; } = new("CohortSync") { CallBase = true };

    /// <summary>The client as the <c>[DurableClient]</c> binding gives it to a function.</summary>
    public DurableTaskClient Client { get; }

    public ServiceProvider Services { get; }

    public IReadOnlyList<ScheduledOrchestration> Scheduled { get { lock (_lock) { return [.. _scheduled]; } } }

    public IReadOnlyList<RaisedEvent> Raised { get { lock (_lock) { return [.. _raised]; } } }

    public IReadOnlyList<RunRecord> SavedRuns { get { lock (_lock) { return [.. _savedRuns]; } } }

    public T Create<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    public void AddSync(SyncDefinition sync, SyncState? state = null)
    {
        _syncs[sync.Id] = sync;
        if (state is not null)
        {
            _states[sync.Id] = state;
        }
    }

    public void AddRun(RunRecord run) => _runs[run.RunId] = run;

    /// <summary>An orchestration instance that already exists in the task hub.</summary>
    public void AddInstance(string instanceId, OrchestrationRuntimeStatus status) =>
        _instances[instanceId] = new OrchestrationMetadata(Core.Workflow.WorkflowNames.Orchestration, instanceId) { RuntimeStatus = status };

    /// <summary>A POST or GET as the ASP.NET Core integration hands it to a function.</summary>
    public HttpRequest Request(string method, string path, string? query = null)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("cohortsync.example.net");
        context.Request.Path = path;
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query);
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static FunctionContext FunctionContext()
    {
        var context = new Mock<FunctionContext>();
        context.Setup(c => c.CancellationToken).Returns(CancellationToken.None);
        return context.Object;
    }

    public void Dispose() => Services.Dispose();

    // The worker's [DurableClient] binding hands a function a FunctionsDurableTaskClient (internal to the extension): the
    // engine's client with the host's base URL and query string, which CreateHttpManagementPayload reads. Built here the
    // same way, around the mock. (Extension 1.22.0: FunctionsDurableTaskClient(inner, queryString, httpBaseUrl,
    // ILargePayloadPurgeClient?); no large-payload purge client here.)
    private static DurableTaskClient Bound(DurableTaskClient inner)
    {
        var type = typeof(Microsoft.Azure.Functions.Worker.DurableTaskClientExtensions).Assembly.GetType("Microsoft.Azure.Functions.Worker.FunctionsDurableTaskClient", throwOnError: true)!;
        return (DurableTaskClient)Activator.CreateInstance(
            type,
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
            binder: null,
            args: [inner, DurableQuery, DurableBaseUrl, null],
            CultureInfo.InvariantCulture)!;
    }

    private string NextETag() => "etag-" + Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);

    private void SetUpStore()
    {
        Store.Setup(s => s.ListSyncsAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => [.. _syncs.Values]);
        Store.Setup(s => s.GetSyncAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => _syncs.TryGetValue(id, out var sync) ? new Versioned<SyncDefinition>(sync, "sync-etag") : null);
        Store.Setup(s => s.ListSyncStatesAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => [.. _states.Values.Select(s => new Versioned<SyncState>(s, "state-etag"))]);
        Store.Setup(s => s.GetSyncStateAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => _states.TryGetValue(id, out var state) ? new Versioned<SyncState>(state, "state-etag") : null);
        Store.Setup(s => s.SaveSyncStateAsync(It.IsAny<SyncState>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SyncState state, string? _, CancellationToken _) =>
            {
                _states[state.SyncId] = state;
                return NextETag();
            });
        Store.Setup(s => s.GetRunAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => _runs.TryGetValue(id, out var run) ? new Versioned<RunRecord>(run, "run-etag") : null);
        Store.Setup(s => s.SaveRunAsync(It.IsAny<RunRecord>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((RunRecord run, string? _, CancellationToken _) =>
            {
                lock (_lock)
                {
                    _runs[run.RunId] = run;
                    _savedRuns.Add(run);
                }

                return NextETag();
            });
    }

    private void SetUpClient()
    {
        InnerClient.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => _instances.GetValueOrDefault(id));
        InnerClient.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                lock (_lock)
                {
                    _scheduled.Add(new ScheduledOrchestration(name, input, options));
                }

                return options?.InstanceId ?? Guid.NewGuid().ToString("N");
            });
        InnerClient.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, string name, object? payload, CancellationToken _) =>
            {
                lock (_lock)
                {
                    _raised.Add(new RaisedEvent(id, name, payload));
                }
            })
            .Returns(Task.CompletedTask);
    }
}
