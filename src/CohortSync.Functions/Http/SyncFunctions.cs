using CohortSync.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Http;

/// <summary>The sync routes and "explain a member": each a call into <see cref="CohortSyncApi"/>.</summary>
public sealed class SyncFunctions
{
    private readonly CohortSyncApi _api;

    /// <summary>Creates the functions.</summary>
    public SyncFunctions(CohortSyncApi api)
    {
        _api = api;
    }

    /// <summary>GET api/syncs.</summary>
    [Function("ListSyncs")]
    public Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "syncs")] HttpRequest request) =>
        _api.ListSyncsAsync(request, request.HttpContext.RequestAborted);

    /// <summary>POST api/syncs.</summary>
    [Function("CreateSync")]
    public Task<IResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "syncs")] HttpRequest request) =>
        _api.CreateSyncAsync(request, request.HttpContext.RequestAborted);

    /// <summary>GET api/syncs/{id}.</summary>
    [Function("GetSync")]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "syncs/{id}")] HttpRequest request, string id) =>
        _api.GetSyncAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>PUT api/syncs/{id}.</summary>
    [Function("ReplaceSync")]
    public Task<IResult> ReplaceAsync(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "syncs/{id}")] HttpRequest request, string id) =>
        _api.ReplaceSyncAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>DELETE api/syncs/{id}.</summary>
    [Function("DeleteSync")]
    public Task<IResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "syncs/{id}")] HttpRequest request, string id) =>
        _api.DeleteSyncAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>GET api/syncs/{id}/explain?key=|userId=|email=|deviceId=.</summary>
    [Function("ExplainMember")]
    public Task<IResult> ExplainAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "syncs/{id}/explain")] HttpRequest request, string id) =>
        _api.ExplainMemberAsync(request, id, request.HttpContext.RequestAborted);
}
