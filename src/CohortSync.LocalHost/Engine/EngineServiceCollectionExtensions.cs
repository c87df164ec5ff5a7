using CohortSync.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CohortSync.LocalHost.Engine;

/// <summary>Registers the local Durable Task engine: the sidecar, the worker with the run's orchestrator and activities, the client.</summary>
internal static class EngineServiceCollectionExtensions
{
    public static IServiceCollection AddLocalDurableTaskEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>()
            .Bind(configuration.GetSection(EngineOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Registered before the worker, so the host starts the sidecar first and stops it last.
        services.AddSingleton<DurableTaskSidecar>();
        services.AddHostedService(sp => sp.GetRequiredService<DurableTaskSidecar>());

        services.AddDurableTaskWorker(builder =>
        {
            services.AddOptions<DurableTaskRegistry>(builder.Name)
                .Configure<IOptions<WorkflowRetryOptions>>((registry, retry) => registry.AddCohortSyncWorkflow(retry.Value));
            builder.UseGrpc();
            services.AddOptions<GrpcDurableTaskWorkerOptions>(builder.Name)
                .Configure<DurableTaskSidecar>((grpc, sidecar) => grpc.Channel = sidecar.Channel);
            services.AddOptions<DurableTaskWorkerOptions>(builder.Name)
                .Configure<IOptions<EngineOptions>>((worker, engine) =>
                {
                    worker.Concurrency.MaximumConcurrentActivityWorkItems = engine.Value.MaxConcurrentActivities;
                    worker.Concurrency.MaximumConcurrentOrchestrationWorkItems = engine.Value.MaxConcurrentOrchestrations;
                });
        });

        services.AddDurableTaskClient(builder =>
        {
            builder.UseGrpc();
            builder.RegisterDirectly();
            services.AddOptions<GrpcDurableTaskClientOptions>(builder.Name)
                .Configure<DurableTaskSidecar>((grpc, sidecar) => grpc.Channel = sidecar.Channel);
        });
        return services;
    }
}
