using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Sandbox.Iterable;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>The Iterable sandbox's subscribe and unsubscribe over raw HTTP: bodies, failedUpdates, the project-type matrix.</summary>
public sealed class IterableSandboxBulkTests(SandboxFixture fixture) : IterableSandboxTestBase(fixture)
{
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
}
