using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>The Pushwoosh sandbox's contract, over raw HTTP: what it refuses and how it answers.</summary>
public sealed class PushwooshSandboxTests : IAsyncLifetime, IDisposable
{
    private const string App = PushwooshSandbox.DefaultApplication;
    private const string Tag = PushwooshSandbox.DefaultTag;
    private SandboxHost _sandbox = null!;
    private HttpClient _http = null!;

    private PushwooshSandbox Pushwoosh => _sandbox.Get<PushwooshSandbox>();

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        Pushwoosh.AddTag(Tag, 3);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task BulkSetTags_FiftyKnownAndUnknownUsers_IsPendingThenCompletesReportingUnknownUsers()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 48));
        var body = Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append");

        // Act
        using var accepted = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
        await Pushwoosh.WhenIdleAsync();
        var status = await _http.GetFromJsonAsync<JsonObject>(new Uri($"api/v2/audience/bulkSetTags/{id["request_id"]}?detailed=true", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("Pending", id["status"]!.GetValue<string>());
        Assert.Equal("Completed", status!["status"]!.GetValue<string>());
        Assert.Equal(2, status["failed"]!.GetValue<int>());
        Assert.Equal(["u48@example.com", "u49@example.com"], status["errors"]!.AsArray().Select(e => e!["user_id"]!.GetValue<string>()));
        Assert.All(status["errors"]!.AsArray(), e => Assert.Equal("user_not_found", e!["code"]!.GetValue<string>()));
        Assert.Equal(Users(0, 48).ToHashSet(), Pushwoosh.Members("Trial"));
    }

    [Fact]
    public async Task BulkSetTags_FewerThanFiftyDevices_IsAcceptedAndCountedUnlessTheMinimumIsRaised()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 2));

        // Act
        using var accepted = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 2), "append")));
        Pushwoosh.MinBulkDevices = 50;
        using var refused = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 2), "append")));
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.BadRequest), (accepted.StatusCode, refused.StatusCode));
        Assert.Equal((2, 1), (Pushwoosh.SmallBulkRequests, Pushwoosh.SmallBulkRejected));
        Assert.Equal(Users(0, 2).ToHashSet(), Pushwoosh.Members("Trial"));
    }

    [Fact]
    public async Task BulkSetTags_SkippedUsers_AreListedApartFromUnknownUsersAndCounted()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 4));
        Pushwoosh.SkipUsers(Users(1, 1), "user_blocked");

        // Act
        using var accepted = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 5), "append")));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
        await Pushwoosh.WhenIdleAsync();
        var status = (await _http.GetFromJsonAsync<JsonObject>(new Uri($"api/v2/audience/bulkSetTags/{id["request_id"]}?detailed=true", UriKind.Relative)))!;

        // Assert
        Assert.Equal((3, 1, 1), (status["processed"]!.GetValue<int>(), status["failed"]!.GetValue<int>(), status["skipped"]!.GetValue<int>()));
        var skipped = Assert.Single(status["skipped_devices"]!.AsArray())!;
        Assert.Equal(("u1@example.com", "user_blocked"), (skipped["user_id"]!.GetValue<string>(), skipped["code"]!.GetValue<string>()));
        Assert.Equal("u4@example.com", Assert.Single(status["errors"]!.AsArray())!["user_id"]!.GetValue<string>());
        Assert.Equal(new HashSet<string>(["u0@example.com", "u2@example.com", "u3@example.com"]), Pushwoosh.Members("Trial"));
    }

    [Fact]
    public async Task BulkSetTags_DeviceWithTwoIdentifiers_IsRefusedWith400()
    {
        // Arrange
        var body = Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append");
        body["devices"]![3]!["hwid"] = "device-3";

        // Act
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("devices[3]: exactly one of hwid, user_id and push_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BulkSetTags_DeviceTokenInTheBody_IsAnAuthError()
    {
        // Act
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultDeviceToken, Users(0, 50), "append")));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, Pushwoosh.AuthFailures);
    }

    [Fact]
    public async Task BulkSetTags_TokenRestrictedToAnotherApplication_Is403TokenRestrictions()
    {
        // Arrange
        Pushwoosh.AddApplication("OTHER-APP01");
        Pushwoosh.AddToken("restricted", PushwooshTokenKind.Server, "OTHER-APP01");

        // Act
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk("restricted", Users(0, 50), "append")));
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(403, body["status_code"]!.GetValue<int>());
        Assert.Equal("Token restrictions forbid this operation", body["status_message"]!.GetValue<string>());
    }

    [Fact]
    public async Task BulkSetTags_BodyOverTwoMegabytes_Is413()
    {
        // Arrange
        var body = Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append");
        body["padding"] = new string('x', 2_000_000);

        // Act
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(1, Pushwoosh.TooLarge);
    }

    [Fact]
    public async Task BulkSetTags_ListOperators_AppendThenRemoveThenSet()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 50));

        // Act
        await SendAndWaitAsync(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append", "A"));
        await SendAndWaitAsync(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append", "B"));
        await SendAndWaitAsync(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "remove", "A"));
        var afterRemove = (Pushwoosh.Members("A").Count, Pushwoosh.Members("B").Count);
        await SendAndWaitAsync(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "set", "C"));

        // Assert
        Assert.Equal((0, 50), afterRemove);
        Assert.Equal((0, 0, 50), (Pushwoosh.Members("A").Count, Pushwoosh.Members("B").Count, Pushwoosh.Members("C").Count));
    }

    [Fact]
    public async Task SetTags_WithoutHwid_Is400AndWithHwidNeedsTheDeviceTokenInTheHeader()
    {
        // Act
        using var noHwid = await _http.SendAsync(SetTags(PushwooshSandbox.DefaultDeviceToken, userId: "a@example.com"));
        using var wrongToken = await _http.SendAsync(SetTags(PushwooshSandbox.DefaultServerToken, hwid: "HW-1"));
        using var right = await _http.SendAsync(SetTags(PushwooshSandbox.DefaultDeviceToken, hwid: "HW-1"));
        var refusal = (await noHwid.Content.ReadFromJsonAsync<JsonObject>())!;
        await Pushwoosh.WhenIdleAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, noHwid.StatusCode);
        Assert.Equal((400, "hwid is required"), (refusal["status_code"]!.GetValue<int>(), refusal["status_message"]!.GetValue<string>()));
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (wrongToken.StatusCode, right.StatusCode));
        Assert.Equal((1, 1), (Pushwoosh.SetTagsWithoutHwid, Pushwoosh.UnknownUsersSkipped));
        Assert.Empty(Pushwoosh.Members("Trial"));
    }

    [Fact]
    public async Task AnyRoute_OverTheRateLimit_Answers429WithRetryAfterAndCountsTheViolation()
    {
        // Arrange
        Pushwoosh.RateLimiter.PermitsPerSecond = 1;
        Pushwoosh.RateLimiter.Burst = 1;

        // Act
        using var first = await _http.PostAsync(new Uri("json/1.3/listTags", UriKind.Relative), Json(ListTags()));
        using var second = await _http.PostAsync(new Uri("json/1.3/listTags", UriKind.Relative), Json(ListTags()));

        // Assert
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal(1, Pushwoosh.RateLimitViolations);
    }

    [Fact]
    public async Task AddTag_Twice_SecondIsAnArgumentErrorInsideHttp200()
    {
        // Arrange
        var body = new JsonObject { ["request"] = new JsonObject { ["auth"] = PushwooshSandbox.DefaultServerToken, ["tag"] = new JsonObject { ["name"] = "New tag", ["type"] = 3 } } };

        // Act
        using var first = await _http.PostAsync(new Uri("json/1.3/addTag", UriKind.Relative), Json(body));
        using var second = await _http.PostAsync(new Uri("json/1.3/addTag", UriKind.Relative), Json(body));
        var envelope = (await second.Content.ReadFromJsonAsync<JsonObject>())!;

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(210, envelope["status_code"]!.GetValue<int>());
        Assert.Equal(3, Pushwoosh.TagType("New tag"));
    }

    [Fact]
    public async Task Inspect_AfterChanges_ServesCountersAndMembershipAsJson()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 50));
        await SendAndWaitAsync(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append"));

        // Act
        var state = await _http.GetFromJsonAsync<JsonObject>(new Uri("_sandbox/pushwoosh", UriKind.Relative));

        // Assert
        Assert.Equal(1, state!["routes"]!["bulkSetTags"]!.GetValue<int>());
        Assert.Equal(1, state["jobs"]!["Completed"]!.GetValue<int>());
        Assert.Equal(50, state["memberships"]![App]![Tag]!["Trial"]!.AsArray().Count);
    }

    private async Task SendAndWaitAsync(JsonObject body)
    {
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Pushwoosh.WhenIdleAsync();
    }

    private static JsonObject Bulk(string token, IEnumerable<string> users, string listOperator, string value = "Trial") => new()
    {
        ["application"] = App,
        ["auth"] = token,
        ["devices"] = new JsonArray(users.Select(u => (JsonNode)new JsonObject
        {
            ["user_id"] = u,
            ["list_operator"] = listOperator,
            ["tags"] = new JsonObject { [Tag] = new JsonArray(value) },
        }).ToArray()),
    };

    private static JsonObject ListTags() => new() { ["request"] = new JsonObject { ["auth"] = PushwooshSandbox.DefaultServerToken } };

    private static HttpRequestMessage SetTags(string headerToken, string? hwid = null, string? userId = null)
    {
        var request = new JsonObject
        {
            ["application"] = App,
            ["tags"] = new JsonObject { [Tag] = new JsonObject { ["operation"] = "append", ["value"] = new JsonArray("Trial") } },
        };
        if (hwid is not null)
        {
            request["hwid"] = hwid;
        }

        if (userId is not null)
        {
            request["userId"] = userId;
        }

        var body = new JsonObject { ["request"] = request };
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri("json/1.3/setTags", UriKind.Relative)) { Content = Json(body) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Token", headerToken);
        return message;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static IEnumerable<string> Users(int start, int count) => Enumerable.Range(start, count).Select(i => $"u{i}@example.com");
}
