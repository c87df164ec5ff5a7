using CohortSync.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Http;

/// <summary>GET api/openapi.json: the OpenAPI document of the API.</summary>
public sealed class OpenApiFunction
{
    private readonly CohortSyncApi _api;

    /// <summary>Creates the function.</summary>
    public OpenApiFunction(CohortSyncApi api)
    {
        _api = api;
    }

    /// <summary>Returns the document.</summary>
    [Function("OpenApi")]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi.json")] HttpRequest request) =>
        _api.OpenApiAsync(request, request.HttpContext.RequestAborted);
}
