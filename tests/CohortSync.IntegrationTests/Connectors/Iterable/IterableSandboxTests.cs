using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Iterable;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>The Iterable sandbox's contract over raw HTTP: what it enforces, independent of the connector.</summary>
public sealed class IterableSandboxTests : IAsyncLifetime, IDisposable
{
    private SandboxHost _sandbox = null!;
    private HttpClient _http = null!;

    private IterableSandbox Iterable => _sandbox.Get<IterableSandbox>();

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_sandbox.BaseAddress, "iterable/us/") };
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    public void Dispose() => _http?.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Request_WithoutAValidApiKey_Is401BadApiKey(string? key)
    {
        // Act
        using var response = await SendAsync(HttpMethod.Get, "api/lists", key: key);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(("BadApiKey", "Invalid API key"), await EnvelopeAsync(response));
        Assert.Equal(1, Iterable.Unauthorized);
    }

    [Fact]
    public async Task Request_KeyOfAnEuProjectOnTheUsHost_Is401ButWorksOnTheEuHost()
    {
        // Arrange
        Iterable.AddProject("eu", "eu-key", IterableDataCenter.EU);

        // Act
        using var us = await SendAsync(HttpMethod.Get, "api/lists", key: "eu-key");
        using var eu = await SendAsync(HttpMethod.Get, "../eu/api/lists", key: "eu-key");

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, us.StatusCode);
        Assert.Equal(HttpStatusCode.OK, eu.StatusCode);
    }

    [Fact]
    public async Task Request_LegacyApiUnderscoreKeyHeader_IsAccepted()
    {
        // Arrange
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/lists");
        request.Headers.Add("Api_Key", IterableSandbox.DefaultApiKey);

        // Act
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void AddProject_EmailBasedInTheEu_IsRefusedAsIterableDoes()
    {
        // Act
        var act = () => Iterable.AddProject("eu-email", "k", IterableDataCenter.EU, IterableProjectType.EmailBased);

        // Assert
        Assert.Throws<ArgumentException>(act);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"name":7}""")]
    public async Task CreateList_WithoutAName_Is400BadParams(string body)
    {
        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists", body);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadParams", (await EnvelopeAsync(response)).Code);
        Assert.Empty(Iterable.DefaultProject.Lists());
    }

    [Fact]
    public async Task CreateList_TwiceWithOneName_MakesTwoListsListedWithTheirType()
    {
        // Act
        using var first = await SendAsync(HttpMethod.Post, "api/lists", """{"name":"Same"}""");
        using var second = await SendAsync(HttpMethod.Post, "api/lists", """{"name":"Same"}""");
        using var lists = await SendAsync(HttpMethod.Get, "api/lists");

        // Assert
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("listId").GetInt64();
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("listId").GetInt64();
        Assert.NotEqual(firstId, secondId);
        var listed = (await lists.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lists").EnumerateArray().ToList();
        Assert.Equal(2, listed.Count);
        Assert.All(listed, l => Assert.Equal(("Same", "Standard"), (l.GetProperty("name").GetString(), l.GetProperty("listType").GetString())));
    }

    [Theory]
    [InlineData("""{"subscribers":[]}""")]
    [InlineData("""{"listId":"12","subscribers":[]}""")]
    [InlineData("""{"listId":12}""")]
    public async Task Subscribe_WithoutListIdOrSubscribers_Is400BadParams(string body)
    {
        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", body);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadParams", (await EnvelopeAsync(response)).Code);
    }

    [Fact]
    public async Task Subscribe_NotJson_Is400BadJsonBody()
    {
        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", "{not json");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadJsonBody", (await EnvelopeAsync(response)).Code);
    }

    [Fact]
    public async Task Subscribe_UnknownOrDynamicList_Is400()
    {
        // Arrange
        var dynamicList = Iterable.DefaultProject.CreateList("Dynamic one", "Dynamic");

        // Act
        using var unknown = await SendAsync(HttpMethod.Post, "api/lists/subscribe", """{"listId":999999999,"subscribers":[{"userId":"u"}]}""");
        using var dynamic = await SendAsync(HttpMethod.Post, "api/lists/subscribe", $$"""{"listId":{{dynamicList}},"subscribers":[{"userId":"u"}]}""");

        // Assert
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (unknown.StatusCode, dynamic.StatusCode));
        Assert.Empty(Iterable.DefaultProject.Members(dynamicList));
    }

    [Fact]
    public async Task Subscribe_MoreSubscribersThanTheCap_Is400BatchTooLarge()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Big");
        Iterable.MaxSubscribersPerRequest = 3;
        var subscribers = string.Join(',', Enumerable.Range(0, 4).Select(i => $$"""{"userId":"u{{i}}"}"""));

        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", $$"""{"listId":{{listId}},"subscribers":[{{subscribers}}]}""");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BatchTooLarge", (await EnvelopeAsync(response)).Code);
        Assert.Empty(Iterable.DefaultProject.Members(listId));
    }

    [Fact]
    public async Task Subscribe_InvalidSubscribers_Answers200WithFailCountAndFailedUpdates()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Mixed");
        Iterable.DefaultProject.AddUser("known", "known@example.com");
        Iterable.DefaultProject.ForgottenUserIds.Add("forgotten");
        var body = $$"""
            {"listId":{{listId}},"subscribers":[
              {"userId":"ok-1"},
              {"userId":"{{new string('x', 53)}}"},
              {"userId":"trailing "},
              {"userId":"new-user","email":"not-an-email"},
              {"userId":"forgotten"},
              {"userId":"other","email":"known@example.com"},
              {"email":"someone@example.notatld"}]}
            """;

        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", body);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 6), (json.GetProperty("successCount").GetInt32(), json.GetProperty("failCount").GetInt32()));
        var failed = json.GetProperty("failedUpdates");
        Assert.Equal([new string('x', 53), "trailing "], Strings(failed, "invalidUserIds"));
        Assert.Equal(["not-an-email", "someone@example.notatld"], Strings(failed, "invalidEmails"));
        Assert.Equal(["forgotten"], Strings(failed, "forgottenUserIds"));
        Assert.Equal(["known@example.com"], Strings(failed, "conflictEmails"));
        Assert.Equal(Strings(failed, "invalidEmails"), Strings(json, "invalidEmails"));
        Assert.Equal(new HashSet<string> { "userId:ok-1" }, Iterable.DefaultProject.Members(listId));
    }

    [Fact]
    public async Task Subscribe_UpdateExistingUsersOnly_ReportsUnknownUsersAsNotFoundAndCreatesNone()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Existing only");
        Iterable.DefaultProject.AddUser("known");

        // Act
        using var response = await SendAsync(
            HttpMethod.Post,
            "api/lists/subscribe",
            $$"""{"listId":{{listId}},"subscribers":[{"userId":"known"},{"userId":"stranger"}],"updateExistingUsersOnly":true}""");

        // Assert
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["stranger"], Strings(json.GetProperty("failedUpdates"), "notFoundUserIds"));
        Assert.False(Iterable.DefaultProject.HasUser("stranger"));
        Assert.Equal(new HashSet<string> { "userId:known" }, Iterable.DefaultProject.Members(listId));
    }

    [Fact]
    public async Task Subscribe_EmailBasedProject_EmailWinsAndUserIdAloneNeedsPreferUserId()
    {
        // Arrange
        var project = Iterable.AddProject("emails", "email-key", projectType: IterableProjectType.EmailBased);
        var listId = project.CreateList("Emails");
        var body = $$"""
            {"listId":{{listId}},"subscribers":[
              {"email":"a@example.com","userId":"a-id"},
              {"userId":"alone"},
              {"userId":"preferred","preferUserId":true}]}
            """;

        // Act
        using var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", body, key: "email-key");

        // Assert
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["alone"], Strings(json.GetProperty("failedUpdates"), "notFoundUserIds"));
        Assert.Equal("a@example.com", project.EmailOf("a-id"));
        Assert.EndsWith("@placeholder.email", project.EmailOf("preferred"), StringComparison.Ordinal);
        Assert.Equal(new HashSet<string> { "userId:a-id", "userId:preferred" }, project.Members(listId));
    }

    [Fact]
    public async Task Unsubscribe_UnknownUser_IsReportedNotFoundAndKnownOnesLeaveTheList()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Leaving");
        using (await SendAsync(HttpMethod.Post, "api/lists/subscribe", $$"""{"listId":{{listId}},"subscribers":[{"userId":"a"},{"userId":"b"}]}"""))
        {
        }

        // Act
        using var response = await SendAsync(
            HttpMethod.Post,
            "api/lists/unsubscribe",
            $$"""{"listId":{{listId}},"subscribers":[{"userId":"a"},{"userId":"nobody"},{"email":"nobody@example.com"}],"channelUnsubscribe":false}""");

        // Assert
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 2), (json.GetProperty("successCount").GetInt32(), json.GetProperty("failCount").GetInt32()));
        Assert.Equal(["nobody"], Strings(json.GetProperty("failedUpdates"), "notFoundUserIds"));
        Assert.Equal(["nobody@example.com"], Strings(json.GetProperty("failedUpdates"), "notFoundEmails"));
        Assert.Equal(new HashSet<string> { "userId:b" }, Iterable.DefaultProject.Members(listId));
        Assert.Equal(0, Iterable.ChannelUnsubscribes);
    }

    [Fact]
    public async Task ListUpdates_OverTheLimit_Are429RateLimitExceededWithRetryAfterAndCounted()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Fast");
        Iterable.ListUpdates.PermitsPerSecond = 1;
        Iterable.ListUpdates.Burst = 2;
        var body = $$"""{"listId":{{listId}},"subscribers":[{"userId":"a"}]}""";

        // Act
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await SendAsync(HttpMethod.Post, "api/lists/subscribe", body);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        using (refused)
        {
            Assert.Equal("RateLimitExceeded", (await EnvelopeAsync(refused!)).Code);
            Assert.Equal(TimeSpan.FromSeconds(1), refused!.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(1, Iterable.Violations);
    }

    [Fact]
    public async Task GetUsersAndSize_SixthCallWithinAMinute_Is429()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Exported");
        using (await SendAsync(HttpMethod.Post, "api/lists/subscribe", $$"""{"listId":{{listId}},"subscribers":[{"userId":"a"},{"userId":"b"}]}"""))
        {
        }

        // Act
        var bodies = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var ok = await SendAsync(HttpMethod.Get, i % 2 == 0 ? $"api/lists/getUsers?listId={listId}&preferUserId=true" : $"api/lists/{listId}/size");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            bodies.Add(await ok.Content.ReadAsStringAsync());
        }

        using var sixth = await SendAsync(HttpMethod.Get, $"api/lists/{listId}/size");

        // Assert
        Assert.Equal(["a", "b"], bodies[0].Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal("2", bodies[1]);
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        using var lists = await SendAsync(HttpMethod.Get, "api/lists");
        Assert.Equal(HttpStatusCode.OK, lists.StatusCode);
    }

    [Fact]
    public async Task DeleteList_InUse_Is409AndOtherwiseDeletes()
    {
        // Arrange
        var used = Iterable.DefaultProject.CreateList("Used by a campaign");
        var free = Iterable.DefaultProject.CreateList("Free");
        Iterable.DefaultProject.MarkInUse(used);

        // Act
        using var conflict = await SendAsync(HttpMethod.Delete, $"api/lists/{used}");
        using var deleted = await SendAsync(HttpMethod.Delete, $"api/lists/{free}");

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("List is in use", (await EnvelopeAsync(conflict)).Message);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("Success", (await EnvelopeAsync(deleted)).Code);
        Assert.Equal([used], Iterable.DefaultProject.Lists().Select(l => l.Id));
    }

    [Fact]
    public async Task Inspect_AfterASubscribe_ShowsCountersAndMembership()
    {
        // Arrange
        var listId = Iterable.DefaultProject.CreateList("Seen");
        using (await SendAsync(HttpMethod.Post, "api/lists/subscribe", $$"""{"listId":{{listId}},"subscribers":[{"userId":"a"}]}"""))
        {
        }

        // Act
        var state = await _http.GetFromJsonAsync<JsonElement>(new Uri(_sandbox.BaseAddress, "_sandbox/iterable"));

        // Assert
        Assert.Equal(1, state.GetProperty("subscribeRequests").GetInt32());
        Assert.Equal(0, state.GetProperty("violations").GetInt32());
        var list = state.GetProperty("projects")[0].GetProperty("lists")[0];
        Assert.Equal(["userId:a"], Strings(list, "members"));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? key = IterableSandbox.DefaultApiKey)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("Api-Key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return await _http.SendAsync(request);
    }

    private static async Task<(string? Code, string? Message)> EnvelopeAsync(HttpResponseMessage response)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("code").GetString(), json.GetProperty("msg").GetString());
    }

    private static List<string?> Strings(JsonElement element, string name) =>
        element.GetProperty(name).EnumerateArray().Select(e => e.GetString()).ToList();
}
