using CohortSync.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Http;

/// <summary>The destination routes: each a call into <see cref="CohortSyncApi"/>, the handlers LocalHost maps too.</summary>
/// <remarks>
/// Function keys guard every route (<see cref="AuthorizationLevel.Function"/>: <c>x-functions-key</c> header or <c>code</c>
/// query parameter). Note that <c>new HttpTrigger("get")</c> alone would be anonymous.
/// </remarks>
public sealed class DestinationFunctions
{
    private readonly CohortSyncApi _api;

    /// <summary>Creates the functions.</summary>
    public DestinationFunctions(CohortSyncApi api)
    {
        _api = api;
    }

    /// <summary>GET api/destinations.</summary>
    [Function("ListDestinations")]
    public Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "destinations")] HttpRequest request) =>
        _api.ListDestinationsAsync(request, request.HttpContext.RequestAborted);

    /// <summary>POST api/destinations.</summary>
    [Function("CreateDestination")]
    public Task<IResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "destinations")] HttpRequest request) =>
        _api.CreateDestinationAsync(request, request.HttpContext.RequestAborted);

    /// <summary>GET api/destinations/{id}.</summary>
    [Function("GetDestination")]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "destinations/{id}")] HttpRequest request, string id) =>
        _api.GetDestinationAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>PUT api/destinations/{id}.</summary>
    [Function("ReplaceDestination")]
    public Task<IResult> ReplaceAsync(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "destinations/{id}")] HttpRequest request, string id) =>
        _api.ReplaceDestinationAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>DELETE api/destinations/{id}.</summary>
    [Function("DeleteDestination")]
    public Task<IResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "destinations/{id}")] HttpRequest request, string id) =>
        _api.DeleteDestinationAsync(request, id, request.HttpContext.RequestAborted);
}
