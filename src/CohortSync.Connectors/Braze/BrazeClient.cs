using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// Braze's API, one method per endpoint: auth (a Bearer REST API key, or the partner keys in the body), serialisation,
/// response parsing, and every failure mapped through <see cref="HttpStatusMapper"/> with a message made safe by
/// <see cref="BrazeErrors.Describe"/>. It plans nothing: the connector decides what to send.
/// </summary>
public sealed class BrazeClient
{
    private readonly BrazeTransport _send;
    private readonly ISecretStore _secrets;
    private readonly BrazeOptions _options;

    /// <summary>Creates the client on the connector's transport.</summary>
    public BrazeClient(BrazeTransport send, ISecretStore secrets, BrazeOptions options)
    {
        _send = send;
        _secrets = secrets;
        _options = options;
    }

    /// <summary>
    /// <c>POST {host}/users/track</c> with at most 75 attributes objects, authenticated with the destination's REST API key.
    /// Returns the objects Braze refused (non-fatal <c>errors</c> of a 2xx answer); a fatal answer throws.
    /// </summary>
    public async Task<IReadOnlyList<BrazeObjectError>> TrackAsync(
        DestinationDefinition destination, Uri baseAddress, IReadOnlyList<BrazeAttributeUpdate> attributes, SharePacer? pacer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var body = BrazeTrackBody.Serialize(attributes);
        string? key = null;
        using var response = await _send(
            destination,
            secret =>
            {
                key = secret;
                var message = Json(new Uri(baseAddress, "users/track"), body);
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                return message;
            },
            pacer,
            cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var sensitive = attributes.SelectMany(a => new[] { a.Key.Value, a.Key.Label }).Prepend(key);
        if (!response.IsSuccessStatusCode)
        {
            HttpStatusMapper.ThrowIfFailed(BrazeConnector.TypeName, response, BrazeErrors.Describe(BrazeErrors.MessageOf(text), sensitive));
        }

        return ObjectErrors(text, attributes.Count, sensitive.ToList());
    }

    /// <summary><c>POST {host}/partners/{partner}/cohorts</c>: creates or renames a partner cohort.</summary>
    public Task NameCohortAsync(
        DestinationDefinition destination, Uri baseAddress, BrazeCluster cluster, string partner, string cohortId, string name, string createdAt, CancellationToken cancellationToken) =>
        SendPartnerAsync(
            destination, baseAddress, cluster, partner, "cohorts",
            (partnerKey, clientSecret) => BrazeJson.Serialize(new BrazeCohortRequest(partnerKey, clientSecret, cohortId, name, createdAt)),
            pacer: null, identifiers: [], cancellationToken);

    /// <summary><c>POST {host}/partners/{partner}/cohorts/users</c>: one request's change objects (at most 1,000 identifiers).</summary>
    public Task UpdateCohortUsersAsync(
        DestinationDefinition destination, Uri baseAddress, BrazeCluster cluster, string partner, string cohortId, IReadOnlyList<BrazeCohortChange> changes,
        SharePacer? pacer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return SendPartnerAsync(
            destination, baseAddress, cluster, partner, "cohorts/users",
            (partnerKey, clientSecret) => BrazeJson.Serialize(new BrazeCohortUsersRequest(partnerKey, clientSecret, cohortId, changes)),
            pacer,
            changes.SelectMany(c => c.UserIds.Concat(c.DeviceIds).Concat(c.Aliases.SelectMany(a => new[] { a.AliasName, a.AliasLabel }))),
            cancellationToken);
    }

    // A 401 "Invalid Partner API key" re-reads the partner key once (the transport has already re-read the Data Import Key),
    // so either key can be rotated without a restart.
    private async Task SendPartnerAsync(
        DestinationDefinition destination, Uri baseAddress, BrazeCluster cluster, string partner, string path, Func<string, string, byte[]> body,
        SharePacer? pacer, IEnumerable<string> identifiers, CancellationToken cancellationToken)
    {
        var partnerKeyName = cluster.KeyRegion == BrazeKeyRegion.Eu ? _options.EuPartnerKeySecret : _options.UsPartnerKeySecret;
        var uri = new Uri(baseAddress, $"partners/{partner}/{path}");
        for (var attempt = 0; ; attempt++)
        {
            var partnerKey = await _secrets.GetSecretAsync(partnerKeyName, cancellationToken);
            string? clientSecret = null;
            using var response = await _send(
                destination,
                secret =>
                {
                    clientSecret = secret!;
                    return Json(uri, body(partnerKey, clientSecret));
                },
                pacer,
                cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var vendorMessage = BrazeErrors.MessageOf(await response.Content.ReadAsStringAsync(cancellationToken));
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && BrazeErrors.Is(vendorMessage, BrazeErrors.InvalidPartnerKey))
            {
                _secrets.Invalidate(partnerKeyName);
                continue;
            }

            HttpStatusMapper.ThrowIfFailed(BrazeConnector.TypeName, response, BrazeErrors.Describe(vendorMessage, identifiers.Prepend(clientSecret).Prepend(partnerKey)));
        }
    }

    private static HttpRequestMessage Json(Uri uri, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return message;
    }

    // A 2xx answer of /users/track: {"message":"success", "errors":[{"type":..., "input_array":"attributes", "index":n}]}.
    private static List<BrazeObjectError> ObjectErrors(string text, int count, IReadOnlyList<string?> sensitive)
    {
        var errors = new List<BrazeObjectError>();
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("errors", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return errors;
            }

            foreach (var error in array.EnumerateArray())
            {
                if (error.ValueKind == JsonValueKind.Object
                    && error.TryGetProperty("index", out var index) && index.TryGetInt32(out var i) && i >= 0 && i < count
                    && (!error.TryGetProperty("input_array", out var input) || input.GetString() == "attributes"))
                {
                    var type = error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    errors.Add(new BrazeObjectError(i, "Braze refused the attributes object: " + (BrazeErrors.Describe(type, sensitive) ?? "no reason given")));
                }
            }
        }
        catch (JsonException)
        {
            // A 2xx answer that is not JSON carries no per-object errors.
        }

        return errors;
    }
}
