using CohortSync.Api.StatusPage;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Http;

/// <summary>
/// The status page (<c>api/status</c>, its pages and assets) and the overview it lists syncs from (<c>api/overview</c>).
/// The page's files carry no data, so they take no function key (App Service authentication may front the app); every
/// figure on the page comes through the API with the key the page asks for.
/// </summary>
public sealed class StatusPageFunctions
{
    private readonly StatusPageHandler _page;
    private readonly SyncOverviewApi _overview;

    /// <summary>Creates the functions.</summary>
    public StatusPageFunctions(StatusPageHandler page, SyncOverviewApi overview)
    {
        _page = page;
        _overview = overview;
    }

    /// <summary>GET api/status/{*path}: the page's HTML shell for a page path, its script and style under assets/.</summary>
    [Function("StatusPage")]
    public Task<IResult> PageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "status/{*path}")] HttpRequest request) =>
        _page.GetAsync(request);

    /// <summary>GET api/overview: every sync with its destination, cadence, last run, next due slot and baseline size.</summary>
    [Function("GetOverview")]
    public Task<IResult> OverviewAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "overview")] HttpRequest request) =>
        _overview.ListAsync(request, request.HttpContext.RequestAborted);
}
