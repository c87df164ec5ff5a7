namespace CohortSync.Sandbox;

/// <summary>
/// One simulated vendor. <see cref="SandboxHost"/> finds every module in this assembly: each registers its state and maps
/// its routes, including its inspection routes under <c>/_sandbox/{name}</c>.
/// </summary>
public interface ISandboxModule
{
    /// <summary>Registers the module's state (singletons the tests can reach through the host's services).</summary>
    void ConfigureServices(IServiceCollection services);

    /// <summary>Maps the module's routes.</summary>
    void Map(WebApplication app);
}
