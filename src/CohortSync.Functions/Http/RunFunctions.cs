using CohortSync.Api;
using CohortSync.Durable;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace CohortSync.Functions.Http;

/// <summary>
/// The run routes. Those that reach the workflow engine (start, approve, reject) bind their <c>[DurableClient]</c> to
/// <see cref="DurableWorkflowEngine"/> for the one call (see there why).
/// </summary>
public sealed class RunFunctions
{
    private readonly CohortSyncApi _api;
    private readonly DurableWorkflowEngine _engine;

    /// <summary>Creates the functions.</summary>
    public RunFunctions(CohortSyncApi api, DurableWorkflowEngine engine)
    {
        _api = api;
        _engine = engine;
    }

    /// <summary>
    /// POST api/syncs/{id}/runs?mode=incremental|full|dryrun: the API's answer, the same as the local host's (202 with
    /// <c>Location: {base}/api/runs/{runId}</c> and the run's id, status and status URL; 200 with the run under way, 400,
    /// 404), with the Durable management URLs of a run this call started as its <c>management</c> member.
    /// </summary>
    /// <remarks>
    /// The URLs come from <c>CreateHttpManagementPayload</c>, the reference's way for a function that takes
    /// <see cref="HttpRequest"/> and returns a result (the Durable extension's DurableTaskClientExtensions):
    /// <c>CreateCheckStatusResponseAsync</c> writes the same payload but needs <c>HttpRequestData</c> and returns
    /// <c>HttpResponseData</c>, which would give this function two response types.
    /// </remarks>
    [Function("StartRun")]
    public async Task<IResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "syncs/{id}/runs")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        using var binding = _engine.Bind(client);
        return await _api.StartRunAsync(request, id, request.HttpContext.RequestAborted, runId => client.CreateHttpManagementPayload(runId));
    }

    /// <summary>GET api/syncs/{id}/runs: the sync's runs, newest first.</summary>
    [Function("ListRuns")]
    public Task<IResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "syncs/{id}/runs")] HttpRequest request, string id) =>
        _api.ListRunsAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>GET api/syncs/{id}/status: the sync's state, with the scheduler's last unchanged-source check.</summary>
    [Function("GetSyncStatus")]
    public Task<IResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "syncs/{id}/status")] HttpRequest request, string id) =>
        _api.GetSyncStatusAsync(request, id, request.HttpContext.RequestAborted);

    /// <summary>GET api/runs/{runId}: status and progress counts.</summary>
    [Function("GetRun")]
    public Task<IResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{runId}")] HttpRequest request, string runId) =>
        _api.GetRunAsync(request, runId, request.HttpContext.RequestAborted);

    /// <summary>POST api/runs/{runId}/approve: lets a run held by the guardrail send.</summary>
    [Function("ApproveRun")]
    public async Task<IResult> ApproveAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{runId}/approve")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client)
    {
        using (_engine.Bind(client))
        {
            return await _api.ApproveRunAsync(request, runId, request.HttpContext.RequestAborted);
        }
    }

    /// <summary>POST api/runs/{runId}/reject: ends a run held by the guardrail without sending.</summary>
    [Function("RejectRun")]
    public async Task<IResult> RejectAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs/{runId}/reject")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client)
    {
        using (_engine.Bind(client))
        {
            return await _api.RejectRunAsync(request, runId, request.HttpContext.RequestAborted);
        }
    }
}

