using CohortSync.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace CohortSync.Functions.Http;

/// <summary>
/// POST api/sources/{sourceId}/amplitude-webhook: Amplitude's cohort webhooks. Anonymous at the Functions level: the
/// handler authenticates the sender by the source's shared secret, as the local host does, so Amplitude needs no function key.
/// </summary>
public sealed class CohortWebhookFunction
{
    private readonly CohortWebhookApi _api;

    /// <summary>Creates the function.</summary>
    public CohortWebhookFunction(CohortWebhookApi api) => _api = api;

    /// <summary>Receives one message.</summary>
    [Function("ReceiveCohortWebhook")]
    public Task<IResult> ReceiveAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "sources/{sourceId}/amplitude-webhook")] HttpRequest request,
        string sourceId) =>
        _api.ReceiveAsync(request, sourceId, request.HttpContext.RequestAborted);
}
