using System.Net;
using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CohortSync.LocalHost.Engine;

/// <summary>
/// The Durable Task engine of the local host, in the process: Durable Task's gRPC sidecar (<c>TaskHubGrpcServer</c>, the
/// server half of the protocol the Functions host's Durable extension speaks to its isolated worker) on a loopback port,
/// over an orchestration service (<see cref="EngineOptions.Backend"/>). The process's Durable Task worker and client talk to
/// it through <see cref="Channel"/>. Started before the worker, stopped after it (hosted services stop in reverse order).
/// </summary>
internal sealed partial class DurableTaskSidecar : IHostedService, IAsyncDisposable, IDisposable
{
    private readonly EngineOptions _options;
    private readonly IConfiguration _configuration;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<DurableTaskSidecar> _logger;
    private readonly int _port;
    private WebApplication? _app;
    private IOrchestrationService? _backend;

    public DurableTaskSidecar(IOptions<EngineOptions> options, IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _configuration = configuration;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DurableTaskSidecar>();
        _port = FreeLoopbackPort();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}");
    }

    /// <summary>The channel to the sidecar, for the worker and the client.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>The orchestration service, once started (tests read its lock renewals).</summary>
    public LockRenewingOrchestrationService? Service { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (inner, client) = CreateBackend();
        _backend = inner;

        // The task hub's queues, tables and container exist before the sidecar takes work.
        await inner.CreateIfNotExistsAsync();
        Service = new LockRenewingOrchestrationService(inner, _options.RecoveryTimeout / 3, _options.MaxConcurrentActivities);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<IOrchestrationService>(Service);
        builder.Services.AddSingleton(client);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        _app = builder.Build();
        _app.MapGrpcService<TaskHubGrpcServer>();
        await _app.StartAsync(cancellationToken);
        LogStarted(_options.Backend, _options.TaskHub, _port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }

        // The sidecar stops its dispatchers without waiting for activities still in flight; the backend is stopped here,
        // so that this process lets go of its partitions and stops reading the queues at once. Otherwise a host stopped in
        // a process that goes on (a test, a trial) would keep the task hub's orchestrations from the next one.
        if (Service is not null)
        {
            await Service.StopAsync(isForced: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        Channel.Dispose();
        (_backend as IDisposable)?.Dispose();
    }

    // For a container disposed synchronously.
    public void Dispose()
    {
        (_app as IDisposable)?.Dispose();
        _app = null;
        Channel.Dispose();
        (_backend as IDisposable)?.Dispose();
    }

    private (IOrchestrationService Service, IOrchestrationServiceClient Client) CreateBackend()
    {
        if (_options.Backend == EngineBackend.InMemory)
        {
            var memory = new InMemoryOrchestrationService(_loggerFactory);
            return (memory, memory);
        }

        var connection = _configuration["Storage:ConnectionString"];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new OptionsValidationException(
                EngineOptions.Section,
                typeof(EngineOptions),
                ["the Azure Storage engine needs Storage:ConnectionString (an account, or Azurite, with blob, queue and table endpoints)"]);
        }

        var timeout = _options.RecoveryTimeout;
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = _options.TaskHub,
            StorageAccountClientProvider = new StorageAccountClientProvider(connection),
            WorkerId = _options.ResolvedWorkerId,
            PartitionCount = _options.PartitionCount,
            ControlQueueVisibilityTimeout = timeout,
            WorkItemQueueVisibilityTimeout = timeout,
            LeaseInterval = timeout,
            LeaseRenewInterval = timeout / 3,
            LeaseAcquireInterval = timeout / 3,
            MaxQueuePollingInterval = _options.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = _options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = _options.MaxConcurrentOrchestrations,
            LoggerFactory = _loggerFactory,
        });
        return (service, service);
    }

    // Bind to port 0 and read back what the OS gave; the sidecar binds it a moment later.
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Durable Task engine ({Backend}, task hub {TaskHub}) listening on 127.0.0.1:{Port}")]
    private partial void LogStarted(EngineBackend backend, string taskHub, int port);
}
