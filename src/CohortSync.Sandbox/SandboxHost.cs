using System.Net;
using System.Security.Cryptography.X509Certificates;
using CohortSync.Sandbox.KeyVault;
using CohortSync.Sandbox.Webhook;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CohortSync.Sandbox;

/// <summary>
/// The sandboxes in one ASP.NET Core app on a real port: tests start it on a free port, the demo beside the local host.
/// Each vendor's routes live in their own folder; every sandbox exposes its state under <c>/_sandbox/</c>. The same routes
/// are served on a second, HTTPS address with a throwaway certificate (<see cref="SandboxCertificate"/>), for clients that
/// insist on TLS, such as Key Vault's.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SandboxHost(WebApplication app, Uri baseAddress, Uri httpsBaseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        HttpsBaseAddress = httpsBaseAddress;
    }

    /// <summary>Where the sandbox listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Where the sandbox listens over HTTPS, e.g. <c>https://127.0.0.1:41235/</c>: the Key Vault's address.</summary>
    public Uri HttpsBaseAddress { get; }

    /// <summary>The certificate of <see cref="HttpsBaseAddress"/>: trust it with <see cref="SandboxCertificate.CreatePinnedHandler"/>.</summary>
    public X509Certificate2 Certificate => SandboxCertificate.Current;

    /// <summary>The webhook receiver.</summary>
    public WebhookSandbox Webhook => Get<WebhookSandbox>();

    /// <summary>The Key Vault secrets endpoint (on <see cref="HttpsBaseAddress"/>).</summary>
    public KeyVaultSandbox KeyVault => Get<KeyVaultSandbox>();

    /// <summary>A module's state, for tests in the same process.</summary>
    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Builds the app with every sandbox's routes, on <paramref name="port"/> (HTTP) and <paramref name="httpsPort"/>.</summary>
    public static WebApplication Build(string[] args, int port, int httpsPort = 0)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Listen(IPAddress.Loopback, httpsPort, listen => listen.UseHttps(SandboxCertificate.Current));
        });
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

    /// <summary>Starts the sandboxes on a port (0: a free one the OS picks); with <paramref name="demo"/>, seeded for the demo.</summary>
    public static async Task<SandboxHost> StartAsync(int port = 0, bool demo = false, CancellationToken cancellationToken = default)
    {
        var app = Build([], port);
        SandboxHost? host = null;
        if (demo)
        {
            app.MapGet("/_sandbox/demo", () => SandboxDemo.Describe(host!));
        }

        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        static Uri Slashed(string address) => new(address.EndsWith('/') ? address : address + "/");
        host = new SandboxHost(
            app,
            Slashed(addresses.First(a => a.StartsWith("http:", StringComparison.Ordinal))),
            Slashed(addresses.First(a => a.StartsWith("https:", StringComparison.Ordinal))));
        if (demo)
        {
            SandboxDemo.Seed(host);
        }

        return host;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Webhook.Faults.Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
