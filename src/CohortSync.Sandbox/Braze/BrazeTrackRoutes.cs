using System.Net;
using System.Text.Json;

namespace CohortSync.Sandbox.Braze;

/// <summary><c>POST /braze/{cluster}/users/track</c>, the attributes part of Braze's user track endpoint.</summary>
public sealed partial class BrazeSandbox
{
    private static readonly string[] OtherArrays = ["events", "purchases"];
    private int _trackRequests;

    /// <summary><c>/users/track</c> requests that were applied (a 201).</summary>
    public int TrackRequests => _trackRequests;

    /// <summary>
    /// Serves <c>/users/track</c> as Braze documents it: faults first; 404 for an unknown cluster; 401 without a Bearer REST
    /// API key of a workspace on this cluster; 429 past 3,000 requests per 3 s per workspace (<c>X-RateLimit-*</c>); 413 over
    /// 4 MB; 400 for more than 75 objects (attributes, events and purchases together) or when no object is valid; otherwise
    /// 201 <c>{"message":"success","attributes_processed":n}</c> with the bad objects in <c>errors</c>
    /// (<c>{type, input_array, index}</c>), the good ones applied.
    /// </summary>
    internal async Task HandleTrackAsync(HttpContext context, string cluster)
    {
        Interlocked.Increment(ref _requests);
        if (await Faults.NextAsync(context) is { } fault)
        {
            await WriteFaultAsync(context, fault);
            return;
        }

        if (!Clusters.Contains(cluster))
        {
            await WriteAsync(context, HttpStatusCode.NotFound, "Not Found");
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        var key = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
        var workspace = key is { Length: > 0 } ? FindByRestKey(cluster, key) : null;
        if (workspace is null)
        {
            await RefuseAuthAsync(context, BrazeTrackRules.InvalidApiKey);
            return;
        }

        if (!TrackRateLimit.TryTake(workspace.Name, out var retryAfter, out var remaining))
        {
            await WriteRateLimitedAsync(context, retryAfter);
            return;
        }

        WriteRateLimitHeaders(context, remaining, TimeSpan.FromSeconds((TrackRateLimit.Burst - remaining) / Math.Max(TrackRateLimit.PermitsPerSecond, 1e-9)));
        if (await ReadBodyAsync(context) is not { } body)
        {
            Interlocked.Increment(ref _validationFailures);
            await WriteAsync(context, HttpStatusCode.RequestEntityTooLarge, "Request Entity Too Large");
            return;
        }

        await ApplyTrackAsync(context, workspace, body);
    }

    private async Task ApplyTrackAsync(HttpContext context, BrazeWorkspace workspace, byte[] body)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _validationFailures);
            await WriteAsync(context, HttpStatusCode.BadRequest, BrazeTrackRules.NoValidData);
            return;
        }

        using (json)
        {
            var root = json.RootElement;
            var attributes = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Array ? a : default;
            var objects = attributes.ValueKind == JsonValueKind.Array ? attributes.EnumerateArray().ToList() : [];
            var others = root.ValueKind != JsonValueKind.Object ? 0 : OtherArrays.Sum(n => root.TryGetProperty(n, out var arr) && arr.ValueKind == JsonValueKind.Array ? arr.GetArrayLength() : 0);
            if (objects.Count + others > BrazeTrackRules.MaxObjects)
            {
                Interlocked.Increment(ref _validationFailures);
                await WriteAsync(context, HttpStatusCode.BadRequest, BrazeTrackRules.TooManyObjects);
                return;
            }

            var valid = new List<BrazeTrackObject>();
            var errors = new List<object>();
            for (var i = 0; i < objects.Count; i++)
            {
                var (read, error) = BrazeTrackRules.Read(objects[i]);
                if (read is null)
                {
                    errors.Add(new { type = error, input_array = "attributes", index = i });
                }
                else
                {
                    valid.Add(read);
                }
            }

            if (valid.Count == 0)
            {
                Interlocked.Increment(ref _validationFailures);
                context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
                await context.Response.WriteAsJsonAsync(new { message = BrazeTrackRules.NoValidData, errors });
                return;
            }

            lock (workspace.Gate)
            {
                foreach (var update in valid)
                {
                    workspace.ApplyTrack(update);
                }
            }

            Interlocked.Increment(ref _accepted);
            Interlocked.Increment(ref _trackRequests);
            context.Response.StatusCode = (int)HttpStatusCode.Created;
            await context.Response.WriteAsJsonAsync(errors.Count == 0
                ? new { message = "success", attributes_processed = valid.Count }
                : (object)new { message = "success", attributes_processed = valid.Count, errors });
        }
    }

    private BrazeWorkspace? FindByRestKey(string cluster, string key)
    {
        lock (_gate)
        {
            return _workspaces.FirstOrDefault(w =>
                string.Equals(w.Cluster, cluster, StringComparison.OrdinalIgnoreCase) && string.Equals(w.RestApiKey, key, StringComparison.Ordinal));
        }
    }
}
