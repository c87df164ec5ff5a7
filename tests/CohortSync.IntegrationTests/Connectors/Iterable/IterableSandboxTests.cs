using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Sandbox.Iterable;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>The Iterable sandbox's contract over raw HTTP, independent of the connector: keys, lists, limits, inspection.</summary>
public sealed class IterableSandboxTests(SandboxFixture fixture) : IterableSandboxTestBase(fixture)
{
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
        using var response = await Http.SendAsync(request);

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
        var state = await Http.GetFromJsonAsync<JsonElement>(new Uri(BaseAddress, "_sandbox/iterable"));

        // Assert
        Assert.Equal(1, state.GetProperty("subscribeRequests").GetInt32());
        Assert.Equal(0, state.GetProperty("violations").GetInt32());
        var list = state.GetProperty("projects")[0].GetProperty("lists")[0];
        Assert.Equal(["userId:a"], Strings(list, "members"));
    }
}
