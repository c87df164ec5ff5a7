using System.Net;
using System.Text.Json;

namespace CohortSync.Sandbox.Braze;

/// <summary>The partner cohort import routes: <c>POST /braze/{cluster}/partners/{partner}/cohorts[/users]</c>.</summary>
public sealed partial class BrazeSandbox
{
    private async Task HandleCohortAsync(HttpContext context, string cluster, string partner, bool users)
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

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            Interlocked.Increment(ref _validationFailures);
            await WriteAsync(context, HttpStatusCode.RequestEntityTooLarge, "Request Entity Too Large");
            return;
        }

        JsonDocument? json = null;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        using (json)
        {
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            {
                await RefuseAuthAsync(context, "Unauthorized access");
                return;
            }

            var root = json.RootElement;
            var isEu = cluster.StartsWith("EU", StringComparison.OrdinalIgnoreCase);
            var partnerKey = BrazeRules.String(root, "partner_api_key");
            if (!string.Equals(partner, PartnerName, StringComparison.Ordinal) || partnerKey is null
                || !string.Equals(partnerKey, isEu ? EuPartnerKey : UsPartnerKey, StringComparison.Ordinal))
            {
                await RefuseAuthAsync(context, "Invalid Partner API key");
                return;
            }

            var clientSecret = BrazeRules.String(root, "client_secret");
            var workspace = clientSecret is null ? null : Find(cluster, clientSecret);
            if (workspace is null)
            {
                await RefuseAuthAsync(context, "Invalid client secret");
                return;
            }

            if (!workspace.PartnerEnabled)
            {
                await RefuseAuthAsync(context, "Partner not enabled for client with client secret: " + clientSecret);
                return;
            }

            if (!RateLimit.TryTake(partnerKey + "|" + workspace.Name, out var retryAfter, out var remaining))
            {
                await WriteRateLimitedAsync(context, retryAfter);
                return;
            }

            WriteRateLimitHeaders(context, remaining, TimeSpan.FromSeconds((RateLimit.Burst - remaining) / Math.Max(RateLimit.PermitsPerSecond, 1e-9)));
            var error = users ? ApplyUsers(workspace, root) : ApplyName(workspace, root);
            if (error is not null)
            {
                Interlocked.Increment(ref _validationFailures);
                await WriteAsync(context, HttpStatusCode.BadRequest, error);
                return;
            }

            Interlocked.Increment(ref _accepted);
            await WriteAsync(context, Queued ? HttpStatusCode.Accepted : HttpStatusCode.OK, Queued ? "queued" : "success");
        }
    }

    private static string? ApplyName(BrazeWorkspace workspace, JsonElement root)
    {
        if (BrazeRules.String(root, "cohort_id") is not { Length: > 0 } cohortId)
        {
            return "cohort_id must be a valid string";
        }

        if (BrazeRules.String(root, "name") is not { } name || string.IsNullOrWhiteSpace(name))
        {
            return "name must be a non-empty string";
        }

        if (BrazeRules.String(root, "created_at") is not { } createdAt || !BrazeRules.IsIso8601(createdAt))
        {
            return "created_at must be a valid time as an ISO-8601 string";
        }

        lock (workspace.Gate)
        {
            workspace.NameCohort(cohortId, name, createdAt);
        }

        return null;
    }

    private static string? ApplyUsers(BrazeWorkspace workspace, JsonElement root)
    {
        if (BrazeRules.String(root, "cohort_id") is not { Length: > 0 } cohortId)
        {
            return "cohort_id must be a valid string";
        }

        const string badChanges =
            "cohort_changes must be an array of objects each with key user_ids and/or device_ids mapping to an array of strings, or an aliases object";
        if (!root.TryGetProperty("cohort_changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
        {
            return badChanges;
        }

        var parsed = new List<(string[] UserIds, string[] DeviceIds, BrazeAlias[] Aliases, bool Remove)>();
        var total = 0;
        foreach (var change in changes.EnumerateArray())
        {
            if (BrazeRules.ParseChange(change) is not { } one)
            {
                return badChanges;
            }

            parsed.Add(one);
            total += one.UserIds.Length + one.DeviceIds.Length + one.Aliases.Length;
        }

        if (total > MaxIdentifiersPerRequest)
        {
            return "Only 1,000 user_ids, device_ids, and aliases are allowed per request";
        }

        lock (workspace.Gate)
        {
            foreach (var (userIds, deviceIds, aliases, remove) in parsed)
            {
                workspace.Apply(cohortId, userIds, deviceIds, aliases, remove);
            }
        }

        return null;
    }
}
