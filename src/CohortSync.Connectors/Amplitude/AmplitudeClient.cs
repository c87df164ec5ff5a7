using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Amplitude;

/// <summary>
/// The Behavioral Cohorts API (https://amplitude.com/docs/apis/analytics/behavioral-cohorts): list cohorts, request an export, read its status, download
/// its file. Basic auth with <c>api_key:secret_key</c> from the secret store. Keeps Amplitude's limits on this side:
/// at most 4 requests at once per project (Amplitude allows 5 across the project and 4 parallel per app) and at most 60
/// export requests per 10 minutes. A 429 throws a retryable error with the wait, so the run waits instead of failing.
/// </summary>
public class AmplitudeClient
{
    private const string Name = "amplitude";
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Concurrency = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, RateLimiter> ExportRequests = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly ISecretStore _secrets;

    /// <summary>Creates the client on its typed <see cref="HttpClient"/> (redirects off: the file link is followed by hand).</summary>
    public AmplitudeClient(HttpClient http, ISecretStore secrets)
    {
        _http = http;
        _secrets = secrets;
    }

    /// <summary>Finds a cohort in the project's list, or null when there is none with that id.</summary>
    public virtual async Task<AmplitudeCohort?> GetCohortAsync(AmplitudeConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var response = await SendAsync(connection, HttpMethod.Get, "api/3/cohorts", cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        foreach (var cohort in json.RootElement.GetProperty("cohorts").EnumerateArray())
        {
            if (string.Equals(Text(cohort, "id"), connection.CohortId, StringComparison.Ordinal))
            {
                return new AmplitudeCohort(
                    connection.CohortId,
                    Text(cohort, "name") ?? connection.CohortId,
                    cohort.TryGetProperty("size", out var size) && size.TryGetInt64(out var n) ? n : 0,
                    Timestamp(cohort, "lastComputed"),
                    cohort.TryGetProperty("archived", out var archived) && archived.ValueKind == JsonValueKind.True);
            }
        }

        return null;
    }

    /// <summary>Requests an export; returns its request id. With property keys, asks for those user properties too.</summary>
    public virtual async Task<string> RequestExportAsync(AmplitudeConnection connection, IReadOnlyCollection<string> propertyKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(propertyKeys);
        var path = new StringBuilder("api/5/cohorts/request/").Append(Uri.EscapeDataString(connection.CohortId));
        if (propertyKeys.Count > 0)
        {
            path.Append("?props=1");
            foreach (var key in propertyKeys)
            {
                path.Append("&propKeys=").Append(Uri.EscapeDataString(key));
            }
        }

        var limiter = ExportRequests.GetOrAdd(connection.ProjectKey, _ => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = 60,
            Window = TimeSpan.FromMinutes(10),
            SegmentsPerWindow = 10,
            QueueLimit = 1000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));
        using var lease = await limiter.AcquireAsync(1, cancellationToken);
        using var response = await SendAsync(connection, HttpMethod.Get, path.ToString(), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new NotFoundException($"Amplitude has no cohort '{connection.CohortId}' in this project: check the sync's cohort id");
        }

        await ThrowIfFailedAsync(response, cancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return Text(json.RootElement, "request_id") ?? throw new InvalidDataException("Amplitude's export answer has no request_id");
    }

    /// <summary>True once the export is complete (<c>JOB COMPLETED</c>), false while it runs.</summary>
    public virtual async Task<bool> IsExportCompleteAsync(AmplitudeConnection connection, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var response = await SendAsync(connection, HttpMethod.Get, "api/5/cohorts/request-status/" + Uri.EscapeDataString(requestId), cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var status = Text(json.RootElement, "async_status") ?? string.Empty;
        if (status.Contains("FAIL", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Amplitude reports the export {status}; run the sync again to request a new one");
        }

        return response.StatusCode == HttpStatusCode.OK && status.Contains("COMPLETED", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Downloads an export's file into <paramref name="target"/>, streaming. Small files come inline; large ones as a redirect
    /// to a short-lived link that is followed at once, and requested afresh if it has already expired.
    /// </summary>
    public virtual async Task DownloadAsync(AmplitudeConnection connection, string requestId, Stream target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(target);
        const int MaxLinkAttempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            using var response = await SendAsync(connection, HttpMethod.Get, $"api/5/cohorts/request/{Uri.EscapeDataString(requestId)}/file", cancellationToken, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect)
            {
                var location = response.Headers.Location ?? throw new InvalidDataException("Amplitude's file redirect has no location");
                var link = location.IsAbsoluteUri ? location : new Uri(connection.BaseAddress, location);

                // The link is pre-signed and lives a minute: no credentials, no delay.
                using var file = await _http.GetAsync(link, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (file.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Gone && attempt < MaxLinkAttempts)
                {
                    continue;
                }

                HttpStatusMapper.ThrowIfFailed(Name, file, "the export's download link failed");
                await file.Content.CopyToAsync(target, cancellationToken);
                return;
            }

            await ThrowIfFailedAsync(response, cancellationToken);
            await response.Content.CopyToAsync(target, cancellationToken);
            return;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(
        AmplitudeConnection connection, HttpMethod method, string path, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var gate = Concurrency.GetOrAdd(connection.ProjectKey, _ => new SemaphoreSlim(4, 4));
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var credentials = await _secrets.GetSecretAsync(connection.SecretName, cancellationToken);
                using var request = new HttpRequestMessage(method, new Uri(connection.BaseAddress, path));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, completion, cancellationToken);
                }
                catch (HttpRequestException ex)
                {
                    throw new RetryableDestinationException(Name, null, "connection failed: " + ex.HttpRequestError, innerException: ex);
                }
                catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new RetryableDestinationException(Name, null, "request timed out", innerException: ex);
                }

                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
                {
                    response.Dispose();
                    _secrets.Invalidate(connection.SecretName);
                    continue;
                }

                return response;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new DestinationAuthException(Name, response.StatusCode, "Amplitude refused the API key and secret key: check the source's secret (api_key:secret_key) and its region");
        }

        // Amplitude explains a 429 in the body ("how you are exceeding the limit"): short, and free of member data.
        var detail = response.StatusCode == HttpStatusCode.TooManyRequests ? Truncate(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        HttpStatusMapper.ThrowIfFailed(Name, response, detail);
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static DateTimeOffset Timestamp(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value))
        {
            return DateTimeOffset.MinValue;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var epoch))
        {
            return FromEpoch(epoch);
        }

        return value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : DateTimeOffset.MinValue;
    }

    /// <summary>
    /// Reads an epoch number in either unit: Amplitude's public sample of the cohort list gives <c>lastComputed</c> in
    /// seconds, other answers in milliseconds. A number below 100,000,000,000 is seconds (as milliseconds it would be before
    /// 1973-03-04; as seconds it reaches to 5138), anything larger milliseconds.
    /// </summary>
    public static DateTimeOffset FromEpoch(double epoch)
    {
        var milliseconds = Math.Abs(epoch) < SecondsBelow ? epoch * 1000 : epoch;
        return milliseconds is >= MinEpochMilliseconds and <= MaxEpochMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(milliseconds))
            : DateTimeOffset.MinValue;
    }

    private const double SecondsBelow = 100_000_000_000;
    private const double MinEpochMilliseconds = -62_135_596_800_000;
    private const double MaxEpochMilliseconds = 253_402_300_799_999;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}
