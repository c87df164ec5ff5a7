using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CohortSync.LocalHost;

/// <summary>
/// A local host built from settings alone (no files, no environment, no logging providers): what the tests, the trials and
/// the benchmarks start in their own process. Start it to start its Durable Task engine; stop it to stop the engine.
/// </summary>
public static class LocalHostBuilder
{
    /// <summary>Creates the builder, with every service of <see cref="ServiceCollectionExtensions.AddCohortSyncLocalHost"/>.</summary>
    /// <param name="settings">Configuration keys and values (<c>Storage:ConnectionString</c>, <c>Engine:Backend</c>, ...).</param>
    /// <param name="engine">False for a host that only reads and writes state: no engine starts.</param>
    public static HostApplicationBuilder Create(IEnumerable<KeyValuePair<string, string?>> settings, bool engine = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCohortSyncLocalHost(builder.Configuration, engine);
        return builder;
    }
}
