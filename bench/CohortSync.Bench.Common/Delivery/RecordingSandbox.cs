using System.Collections.Concurrent;
using System.Diagnostics;
using CohortSync.Sandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.Bench.Delivery;

/// <summary>One request as the sandbox saw it: when it arrived and when it was answered (Stopwatch ticks), route, status.</summary>
internal readonly record struct Arrival(long At, long Done, string Method, string Path, int Status);

/// <summary>
/// The sandboxes of <c>src/CohortSync.Sandbox</c> (built with <see cref="SandboxHost.Build"/>, the app
/// <see cref="SandboxHost.StartAsync"/> starts) with one middleware of the benchmark's own in front of every route: it
/// stamps each request's arrival, so the send phase is measured where the vendor would measure it. Nothing in src changes.
/// </summary>
internal sealed class RecordingSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingSandbox(WebApplication app, Uri baseAddress, ConcurrentQueue<Arrival> arrivals)
    {
        _app = app;
        BaseAddress = baseAddress;
        Arrivals = arrivals;
    }

    /// <summary>The HTTP address, with a trailing slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request served, in completion order.</summary>
    public ConcurrentQueue<Arrival> Arrivals { get; }

    /// <summary>A sandbox module's state (as <see cref="SandboxHost.Get{T}"/>).</summary>
    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    public static async Task<RecordingSandbox> StartAsync()
    {
        var app = SandboxHost.Build([], 0);
        var arrivals = new ConcurrentQueue<Arrival>();

        // WebApplication runs routing before and endpoints after middleware added here, so this sees every request.
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            var at = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                arrivals.Enqueue(new Arrival(at, Stopwatch.GetTimestamp(), context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Response.StatusCode));
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http:", StringComparison.Ordinal));
        return new RecordingSandbox(app, new Uri(address.TrimEnd('/') + "/"), arrivals);
    }

    public async ValueTask DisposeAsync()
    {
        Get<Sandbox.Webhook.WebhookSandbox>().Faults.Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
