using CohortSync.Api;
using CohortSync.Api.StatusPage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CohortSync.LocalHost.Web;

/// <summary>
/// The local host as a web app: the same routes as the Functions app, on ASP.NET Core minimal APIs, each a call into
/// <see cref="CohortSyncApi"/>; an API key in place of function keys; the timer; the local runner.
/// </summary>
public static class LocalHostApp
{
    /// <summary>Builds the app. <paramref name="configure"/> adds configuration (tests, the CLI's options).</summary>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddCohortSyncLocalHost(builder.Configuration);
        builder.Services.AddCohortSyncApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApiKeyFilter>();
        if (!string.Equals(builder.Configuration["SchedulerTimer"], "off", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddHostedService<SchedulerTimerService>();
        }

        var app = builder.Build();
        MapApi(app);
        return app;
    }

    /// <summary>
    /// Maps every route of the API under <c>/api</c>, behind the API key (the cohort webhook behind its source's secret), and
    /// the status page at <c>/api/status</c>.
    /// </summary>
    public static void MapApi(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var api = endpoints.MapGroup("/api").AddEndpointFilter<ApiKeyFilter>();
        api.MapGet("destinations", (HttpRequest r, CohortSyncApi a, CancellationToken ct) => a.ListDestinationsAsync(r, ct));
        api.MapPost("destinations", (HttpRequest r, CohortSyncApi a, CancellationToken ct) => a.CreateDestinationAsync(r, ct));
        api.MapGet("destinations/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.GetDestinationAsync(r, id, ct));
        api.MapPut("destinations/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.ReplaceDestinationAsync(r, id, ct));
        api.MapDelete("destinations/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.DeleteDestinationAsync(r, id, ct));
        api.MapGet("syncs", (HttpRequest r, CohortSyncApi a, CancellationToken ct) => a.ListSyncsAsync(r, ct));
        api.MapPost("syncs", (HttpRequest r, CohortSyncApi a, CancellationToken ct) => a.CreateSyncAsync(r, ct));
        api.MapGet("syncs/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.GetSyncAsync(r, id, ct));
        api.MapPut("syncs/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.ReplaceSyncAsync(r, id, ct));
        api.MapDelete("syncs/{id}", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.DeleteSyncAsync(r, id, ct));
        api.MapPost("syncs/{id}/runs", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.StartRunAsync(r, id, ct));
        api.MapGet("syncs/{id}/runs", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.ListRunsAsync(r, id, ct));
        api.MapGet("syncs/{id}/status", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.GetSyncStatusAsync(r, id, ct));
        api.MapGet("syncs/{id}/explain", (HttpRequest r, string id, CohortSyncApi a, CancellationToken ct) => a.ExplainMemberAsync(r, id, ct));
        api.MapGet("runs/{runId}", (HttpRequest r, string runId, CohortSyncApi a, CancellationToken ct) => a.GetRunAsync(r, runId, ct));
        api.MapPost("runs/{runId}/approve", (HttpRequest r, string runId, CohortSyncApi a, CancellationToken ct) => a.ApproveRunAsync(r, runId, ct));
        api.MapPost("runs/{runId}/reject", (HttpRequest r, string runId, CohortSyncApi a, CancellationToken ct) => a.RejectRunAsync(r, runId, ct));
        api.MapGet("openapi.json", (HttpRequest r, CohortSyncApi a, CancellationToken ct) => a.OpenApiAsync(r, ct));
        api.MapGet("overview", (HttpRequest r, SyncOverviewApi a, CancellationToken ct) => a.ListAsync(r, ct));

        // The status page's files carry no data and take no key; the page reads everything above with the key it asks for.
        endpoints.MapGet(StatusPageHandler.BasePath + "/{**path}", (HttpRequest r, StatusPageHandler p) => p.GetAsync(r));

        // Amplitude's cohort webhooks prove themselves with the source's shared secret, not the API key.
        endpoints.MapPost("/api/sources/{sourceId}/amplitude-webhook", (HttpRequest r, string sourceId, CohortWebhookApi a, CancellationToken ct) => a.ReceiveAsync(r, sourceId, ct));
    }
}
