using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Braze;

namespace CohortSync.IntegrationTests.Connectors.Braze;

/// <summary>The Braze sandbox's <c>/users/track</c>, request by request over HTTP: what it refuses, and how.</summary>
public sealed class BrazeTrackSandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>, IAsyncLifetime, IDisposable
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
        _workspace = _braze.AddWorkspace("US-03", "dik-1", restApiKey: "rest-1");
        _workspace.AddIdentifiedUsers(["u1", "u2"]);
        _http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Track_WithoutTheWorkspacesBearerKey_Answers401(string? key)
    {
        // Act
        var (status, json) = await TrackAsync("{\"attributes\":[{\"external_id\":\"u1\",\"c\":true}]}", key);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(BrazeTrackRulesMessages.InvalidApiKey, json.GetProperty("message").GetString());
        Assert.Null(_workspace.Attribute("u1", "c"));
    }

    [Fact]
    public async Task Track_SeventySixObjects_Answers400AndAppliesNothing()
    {
        // Arrange
        var objects = string.Join(",", Enumerable.Range(0, 76).Select(_ => "{\"external_id\":\"u1\",\"c\":true}"));

        // Act
        var (status, _) = await TrackAsync("{\"attributes\":[" + objects + "]}");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(0, _workspace.DataPoints);
    }

    [Fact]
    public async Task Track_ArrayOperationsAndUpdateOnly_ApplyToExistingUsersAndReportBadObjectsByIndex()
    {
        // Act
        var (status, json) = await TrackAsync(
            "{\"attributes\":["
            + "{\"external_id\":\"u1\",\"_update_existing_only\":true,\"cohorts\":{\"add\":[\"A\",\"B\"]}},"
            + "{\"external_id\":\"u1\",\"cohorts\":{\"remove\":[\"A\"]}},"
            + "{\"external_id\":\"ghost\",\"_update_existing_only\":true,\"cohorts\":{\"add\":[\"A\"]}},"
            + "{\"external_id\":\"u2\",\"cohorts\":{\"add\":\"A\"}},"
            + "{\"cohorts\":{\"add\":[\"A\"]}}]}");

        // Assert
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(3, json.GetProperty("attributes_processed").GetInt32());
        Assert.Equal([3, 4], json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("index").GetInt32()));
        Assert.Equal(["B"], Assert.IsType<List<string>>(_workspace.Attribute("u1", "cohorts")));
        Assert.Null(_workspace.Attribute("u2", "cohorts"));
        Assert.Equal((2, 0, 1), (_workspace.ProfileCount, _workspace.CreatedProfiles, _workspace.IgnoredIdentifiers));
    }

    [Fact]
    public async Task Track_CreatingAllowed_CreatesTheUserWithTheAttribute()
    {
        // Act
        var (status, _) = await TrackAsync("{\"attributes\":[{\"external_id\":\"new\",\"_update_existing_only\":false,\"c_s1\":true}]}");

        // Assert
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(true, _workspace.Attribute("new", "c_s1"));
        Assert.Equal(1, _workspace.CreatedProfiles);
    }

    [Fact]
    public async Task Track_OverTheWorkspaceLimit_Answers429WithXRateLimitReset()
    {
        // Arrange
        _braze.TrackRateLimit.PermitsPerSecond = 0.01;
        _braze.TrackRateLimit.Burst = 1;
        await TrackAsync("{\"attributes\":[{\"external_id\":\"u1\",\"c\":true}]}");

        // Act
        using var request = Request("{\"attributes\":[{\"external_id\":\"u1\",\"c\":true}]}", "rest-1");
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.Contains("X-RateLimit-Reset"));
        Assert.Equal(1, _braze.RateLimitViolations);
    }

    private async Task<(HttpStatusCode Status, JsonElement Json)> TrackAsync(string body, string? key = "rest-1")
    {
        using var request = Request(body, key);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static HttpRequestMessage Request(string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "braze/us-03/users/track") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }

    // BrazeTrackRules is internal to the sandbox; its 401 text as the sandbox answers it.
    private static class BrazeTrackRulesMessages
    {
        public const string InvalidApiKey = "Unknown or missing REST API key";
    }
}
