using CohortSync.Core.Errors;
using CohortSync.Core.Sources.Webhooks;
using Microsoft.AspNetCore.Http;

namespace CohortSync.Api;

/// <summary>
/// <c>POST /api/sources/{sourceId}/amplitude-webhook</c>, shared by both hosts: Amplitude's Cohort Webhooks destination
/// posts here. The sender proves itself with the source's shared secret in <see cref="CohortWebhookSource.SecretHeader"/>
/// (401 otherwise); a body over <see cref="CohortWebhookSource.MaxBodyBytes"/> is refused with 413 and a malformed one with
/// 400, storing nothing; an accepted message is stored as it came and answered 200 at once (a duplicate too, changing
/// nothing), and applied to the cohort's membership by the sync's next run.
/// </summary>
public sealed class CohortWebhookApi
{
    private readonly CohortWebhookReceiver _receiver;

    /// <summary>Creates the handler.</summary>
    public CohortWebhookApi(CohortWebhookReceiver receiver) => _receiver = receiver;

    /// <summary>POST sources/{sourceId}/amplitude-webhook.</summary>
    public async Task<IResult> ReceiveAsync(HttpRequest request, string sourceId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        // An id no sync reads (a malformed one included) fails authentication like a wrong secret: 401, nothing said.
        if (!await _receiver.AuthenticateAsync(sourceId, request.Headers[CohortWebhookSource.SecretHeader].ToString(), ct))
        {
            return Results.Problem(
                $"Send the source's shared secret in the {CohortWebhookSource.SecretHeader} header.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized");
        }

        var body = await RequestBody.ReadAsync(request, CohortWebhookSource.MaxBodyBytes, ct);
        if (body is null)
        {
            return Results.Problem(
                $"The body is larger than {CohortWebhookSource.MaxBodyBytes / (1024 * 1024)} MiB; nothing was stored.",
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Body too large");
        }

        try
        {
            var receipt = await _receiver.AcceptAsync(sourceId, body.Value, ct);
            return Results.Json(new WebhookReceiptView(receipt.Duplicate, receipt.Users, receipt.Skipped), ApiJson.Options);
        }
        catch (ValidationException ex)
        {
            return Results.ValidationProblem(ex.Errors.ToDictionary(e => e.Key, e => e.Value), title: "The request is not valid; nothing was stored.");
        }
    }
}
