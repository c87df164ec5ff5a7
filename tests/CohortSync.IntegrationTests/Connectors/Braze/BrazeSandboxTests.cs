using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Braze;

namespace CohortSync.IntegrationTests.Connectors.Braze;

/// <summary>The Braze sandbox's contract, request by request over HTTP: what a faithful simulator must refuse, and how.</summary>
public sealed class BrazeSandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>, IAsyncLifetime, IDisposable
{
    private SandboxHost _sandbox = null!;
    private BrazeSandbox _braze = null!;
    private BrazeWorkspace _workspace = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        // One host for the class; each test starts from a fresh Braze (workspaces, counters, keys, limits, faults).
        _sandbox = fixture.Host;
        _braze = _sandbox.Get<BrazeSandbox>();
        _braze.Reset();
        _workspace = _braze.AddWorkspace("US-03", "dik-1");
        _workspace.AddIdentifiedUsers(["u1", "u2"]);
        _http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("{\"cohort_id\":\"c1\",\"name\":\"\",\"created_at\":\"2026-01-01T00:00:00Z\"}", "name must be a non-empty string")]
    [InlineData("{\"cohort_id\":7,\"name\":\"n\",\"created_at\":\"2026-01-01T00:00:00Z\"}", "cohort_id must be a valid string")]
    [InlineData("{\"cohort_id\":\"c1\",\"name\":\"n\",\"created_at\":\"01/02/2026\"}", "created_at must be a valid time as an ISO-8601 string")]
    public async Task PostCohorts_InvalidField_Answers400WithBrazesMessage(string fields, string message)
    {
        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts", WithKeys(fields));

        // Assert
        Assert.Equal((HttpStatusCode.BadRequest, message), (status, body));
        Assert.Empty(_workspace.Cohorts);
    }

    [Theory]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":{\"user_ids\":[\"u1\"]}}")]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[1]}]}")]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"should_remove\":true}]}")]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"aliases\":[{\"alias_name\":\"a\"}]}]}")]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[\"u1\"],\"should_remove\":\"yes\"}]}")]
    [InlineData("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"external_ids\":[\"u1\"]}]}")]
    public async Task PostUsers_MalformedChanges_Answers400WithBrazesMessage(string fields)
    {
        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys(fields));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("cohort_changes must be an array of objects", body, StringComparison.Ordinal);
        Assert.Empty(_workspace.Members("c1"));
    }

    [Fact]
    public async Task PostUsers_MoreThanAThousandIdentifiersOverAllObjects_Answers400AndAppliesNothing()
    {
        // Arrange: 600 external ids to add and 401 aliases to remove.
        var changes = new JsonArray
        {
            new JsonObject { ["user_ids"] = new JsonArray([.. Enumerable.Range(0, 600).Select(i => (JsonNode)JsonValue.Create("u1")!)]) },
            new JsonObject
            {
                ["aliases"] = new JsonArray([.. Enumerable.Range(0, 401).Select(i => (JsonNode)new JsonObject { ["alias_name"] = $"a{i}", ["alias_label"] = "l" })]),
                ["should_remove"] = true,
            },
        };

        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys(new JsonObject { ["cohort_id"] = "c1", ["cohort_changes"] = changes }.ToJsonString()));

        // Assert
        Assert.Equal((HttpStatusCode.BadRequest, "Only 1,000 user_ids, device_ids, and aliases are allowed per request"), (status, body));
        Assert.Empty(_workspace.Members("c1"));
    }

    [Fact]
    public async Task PostUsers_EmptyChanges_SucceedsAsSegmentsKeyCheckExpects()
    {
        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys("{\"cohort_id\":\"will_add_in_constant\",\"cohort_changes\":[]}"));

        // Assert
        Assert.Equal((HttpStatusCode.OK, "success"), (status, body));
    }

    [Theory]
    [InlineData("braze/us-03/partners/amplitude/cohorts/users", "wrong-key", "dik-1", "Invalid Partner API key")]
    [InlineData("braze/eu-01/partners/amplitude/cohorts/users", "sandbox-braze-partner-key-us", "dik-1", "Invalid Partner API key")]
    [InlineData("braze/us-03/partners/segment/cohorts/users", "sandbox-braze-partner-key-us", "dik-1", "Invalid Partner API key")]
    [InlineData("braze/us-03/partners/amplitude/cohorts/users", "sandbox-braze-partner-key-us", "dik-2", "Invalid client secret")]
    [InlineData("braze/us-01/partners/amplitude/cohorts/users", "sandbox-braze-partner-key-us", "dik-1", "Invalid client secret")]
    public async Task PostUsers_WrongKeyPartnerOrCluster_Answers401WithBrazesMessage(string path, string partnerKey, string clientSecret, string message)
    {
        // Act
        var (status, body) = await PostAsync(path, Body(partnerKey, clientSecret, "{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[\"u1\"]}]}"));

        // Assert
        Assert.Equal((HttpStatusCode.Unauthorized, message), (status, body));
        Assert.Empty(_workspace.Members("c1"));
    }

    [Fact]
    public async Task PostUsers_PartnerNotEnabled_Answers401QuotingTheClientSecretAsBrazeDoes()
    {
        // Arrange
        _workspace.PartnerEnabled = false;

        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[]}"));

        // Assert
        Assert.Equal((HttpStatusCode.Unauthorized, "Partner not enabled for client with client secret: dik-1"), (status, body));
    }

    [Fact]
    public async Task PostUsers_DeviceIdOfAnIdentifiedUser_IsIgnoredButOfAnAnonymousUserIsAdded()
    {
        // Arrange
        _workspace.AddIdentifiedUser("u3", deviceIds: ["dev-3"]);
        _workspace.AddAnonymousUser(["dev-4"]);

        // Act
        var (status, _) = await PostAsync(
            "braze/us-03/partners/amplitude/cohorts/users", WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"device_ids\":[\"dev-3\",\"dev-4\",\"dev-5\"]}]}"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new HashSet<string> { "device:dev-4" }, _workspace.Members("c1"));
        Assert.Equal(2, _workspace.IgnoredIdentifiers);
        Assert.Equal(4, _workspace.ProfileCount);
    }

    [Fact]
    public async Task PostUsers_RemoveAndReAdd_AreSetOperations()
    {
        // Arrange
        const string path = "braze/us-03/partners/amplitude/cohorts/users";
        await PostAsync(path, WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[\"u1\",\"u2\"]}]}"));

        // Act
        await PostAsync(path, WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[\"u2\"],\"should_remove\":true},{\"user_ids\":[\"u1\"]}]}"));

        // Assert
        Assert.Equal(new HashSet<string> { "u1" }, _workspace.Members("c1"));
        Assert.Equal(2, _workspace.AddDeliveries("c1")["u1"]);
    }

    [Fact]
    public async Task Post_OverTheLimit_Answers429WithXRateLimitHeadersAndCountsTheViolation()
    {
        // Arrange
        _braze.RateLimit.PermitsPerSecond = 1;
        _braze.RateLimit.Burst = 1;
        var body = WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[]}");
        using var first = await _http.PostAsync(new Uri("braze/us-03/partners/amplitude/cohorts/users", UriKind.Relative), Json(body));

        // Act
        using var second = await _http.PostAsync(new Uri("braze/us-03/partners/amplitude/cohorts/users", UriKind.Relative), Json(body));

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));
        Assert.Equal("3600", second.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("0", second.Headers.GetValues("X-RateLimit-Remaining").Single());
        var reset = long.Parse(second.Headers.GetValues("X-RateLimit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(reset - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 0, 2);
        Assert.False(second.Headers.Contains("Retry-After"));
        Assert.Equal(1, _braze.RateLimitViolations);
    }

    [Fact]
    public async Task Post_BodyOverFourMegabytes_Answers413()
    {
        // Arrange
        var padding = new string('x', 4_100_000);

        // Act
        var (status, _) = await PostAsync("braze/us-03/partners/amplitude/cohorts", WithKeys($"{{\"cohort_id\":\"c1\",\"name\":\"{padding}\",\"created_at\":\"2026-01-01\"}}"));

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
    }

    [Fact]
    public async Task Post_InjectedLock_Answers423ResourceLocked()
    {
        // Arrange
        _braze.Faults.FailNext(1, HttpStatusCode.Locked);

        // Act
        var (status, body) = await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[]}"));

        // Assert
        Assert.Equal((HttpStatusCode.Locked, "Resource locked"), (status, body));
    }

    [Fact]
    public async Task GetInspection_AfterChanges_ShowsCohortsAndMembersButNoKeys()
    {
        // Arrange
        await PostAsync("braze/us-03/partners/amplitude/cohorts", WithKeys("{\"cohort_id\":\"c1\",\"name\":\"Trial\",\"created_at\":\"2026-01-01T00:00:00Z\"}"));
        await PostAsync("braze/us-03/partners/amplitude/cohorts/users", WithKeys("{\"cohort_id\":\"c1\",\"cohort_changes\":[{\"user_ids\":[\"u2\",\"nobody\"]}]}"));

        // Act
        var text = await _http.GetStringAsync(new Uri("_sandbox/braze", UriKind.Relative));

        // Assert
        using var json = JsonDocument.Parse(text);
        var workspace = json.RootElement.GetProperty("workspaces")[0];
        var cohort = workspace.GetProperty("cohorts")[0];
        Assert.Equal("Trial", cohort.GetProperty("name").GetString());
        Assert.Equal(["u2"], cohort.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(1, workspace.GetProperty("ignoredIdentifiers").GetInt32());
        Assert.DoesNotContain("dik-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sandbox-braze-partner-key", text, StringComparison.Ordinal);
    }

    private static string WithKeys(string fields) => Body("sandbox-braze-partner-key-us", "dik-1", fields);

    private static string Body(string partnerKey, string clientSecret, string fields)
    {
        var body = JsonNode.Parse(fields)!.AsObject();
        body["partner_api_key"] = partnerKey;
        body["client_secret"] = clientSecret;
        return body.ToJsonString();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, string? Message)> PostAsync(string path, string body)
    {
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), Json(body));
        var message = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, message.TryGetProperty("message", out var m) ? m.GetString() : null);
    }
}
