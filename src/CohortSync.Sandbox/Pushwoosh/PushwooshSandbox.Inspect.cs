using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

// What tests and GET /_sandbox/pushwoosh see, and the reset between tests.
public sealed partial class PushwooshSandbox
{
    /// <summary>The inspection document served at <c>GET /_sandbox/pushwoosh</c>.</summary>
    public JsonObject Inspect()
    {
        var jobs = new JsonObject();
        foreach (var group in _jobs.Values.GroupBy(j => j.Status, StringComparer.Ordinal))
        {
            jobs[group.Key] = group.Count();
        }

        var routes = new JsonObject();
        foreach (var (route, count) in _routeRequests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            routes[route] = count;
        }

        var tags = new JsonArray();
        foreach (var tag in _store.Tags())
        {
            tags.Add(new JsonObject { ["name"] = tag.Name, ["type"] = tag.Type });
        }

        return new JsonObject
        {
            ["requests"] = Requests,
            ["routes"] = routes,
            ["authFailures"] = AuthFailures,
            ["rateLimitViolations"] = RateLimitViolations,
            ["smallBulkRejected"] = SmallBulkRejected,
            ["smallBulkRequests"] = SmallBulkRequests,
            ["setTagsWithoutHwid"] = SetTagsWithoutHwid,
            ["tooLarge"] = TooLarge,
            ["unknownUsersSkipped"] = UnknownUsersSkipped,
            ["faultsInjected"] = Faults.Injected,
            ["dropped"] = Dropped,
            ["pendingChanges"] = Volatile.Read(ref _pending),
            ["jobs"] = jobs,
            ["tags"] = tags,
            ["memberships"] = _store.Memberships(),
        };
    }

    /// <summary>Clears users, skips, tags, memberships, jobs, counters and faults; keeps applications and tokens.</summary>
    public void Reset()
    {
        _store.Reset();
        _jobs.Clear();
        _routeRequests.Clear();
        _requests = _authFailures = _smallBulkRejected = _smallBulkRequests = _setTagsWithoutHwid = _tooLarge = _unknownUsersSkipped = _dropNext = _dropped = _failNextJobs = 0;
        RateLimiter.Reset();
        Faults.Reset();
        FaultRoutes = null;
    }
}
