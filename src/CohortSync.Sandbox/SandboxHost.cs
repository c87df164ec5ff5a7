using CohortSync.Sandbox.Webhook;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CohortSync.Sandbox;

/// <summary>
/// The sandboxes in one ASP.NET Core app on a real port: tests start it on a free port, the demo beside the local host.
/// Each vendor's routes live in their own folder; every sandbox exposes its state under <c>/_sandbox/</c>.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the sandbox listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The webhook receiver.</summary>
    public WebhookSandbox Webhook => Get<WebhookSandbox>();

    /// <summary>A module's state, for tests in the same process.</summary>
    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Builds the app with every sandbox's routes.</summary>
    public static WebApplication Build(string[] args, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var modules = typeof(SandboxHost).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ISandboxModule).IsAssignableFrom(t))
            .Select(t => (ISandboxModule)Activator.CreateInstance(t)!)
            .ToList();
        foreach (var module in modules)
        {
            module.ConfigureServices(builder.Services);
        }

        var app = builder.Build();
        foreach (var module in modules)
        {
            module.Map(app);
        }

        app.MapGet("/_sandbox/health", () => Results.Ok(new { status = "up" }));
        return app;
    }

    /// <summary>Starts the sandboxes on a port (0: a free one the OS picks).</summary>
    public static async Task<SandboxHost> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var app = Build([], port);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SandboxHost(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Webhook.Faults.Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
