using CohortSync.Core.Ports;
using CohortSync.Functions.Workflow;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Functions;

/// <summary>The Functions app's entry point for dependency injection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Durable engine behind <see cref="IWorkflowEngine"/>. It is a singleton, as the local runner is, so Core's
    /// <c>RunService</c> and <c>SchedulerService</c> and the API are the same objects in both hosts; the Durable client it
    /// needs is bound per invocation by the functions that start runs or raise decisions (see <see cref="DurableWorkflowEngine"/>).
    /// </summary>
    public static IServiceCollection AddDurableWorkflowEngine(this IServiceCollection services)
    {
        services.AddSingleton<DurableWorkflowEngine>();
        services.AddSingleton<IWorkflowEngine>(sp => sp.GetRequiredService<DurableWorkflowEngine>());
        return services;
    }
}
