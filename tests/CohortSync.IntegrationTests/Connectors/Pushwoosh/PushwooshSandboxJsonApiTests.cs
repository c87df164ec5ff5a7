using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>The Pushwoosh sandbox's json/1.3 routes, rate limit and inspection, over raw HTTP.</summary>
public sealed class PushwooshSandboxJsonApiTests : PushwooshSandboxTestBase
{
    [Fact]
    public async Task SetTags_WithoutHwid_Is400AndWithHwidNeedsTheDeviceTokenInTheHeader()
    {
        // Act
        using var noHwid = await Http.SendAsync(SetTags(PushwooshSandbox.DefaultDeviceToken, userId: "a@example.com"));
        using var wrongToken = await Http.SendAsync(SetTags(PushwooshSandbox.DefaultServerToken, hwid: "HW-1"));
        using var right = await Http.SendAsync(SetTags(PushwooshSandbox.DefaultDeviceToken, hwid: "HW-1"));
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
        using var first = await Http.PostAsync(new Uri("json/1.3/listTags", UriKind.Relative), Json(ListTags()));
        using var second = await Http.PostAsync(new Uri("json/1.3/listTags", UriKind.Relative), Json(ListTags()));

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
        using var first = await Http.PostAsync(new Uri("json/1.3/addTag", UriKind.Relative), Json(body));
        using var second = await Http.PostAsync(new Uri("json/1.3/addTag", UriKind.Relative), Json(body));
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
        var state = await Http.GetFromJsonAsync<JsonObject>(new Uri("_sandbox/pushwoosh", UriKind.Relative));

        // Assert
        Assert.Equal(1, state!["routes"]!["bulkSetTags"]!.GetValue<int>());
        Assert.Equal(1, state["jobs"]!["Completed"]!.GetValue<int>());
        Assert.Equal(50, state["memberships"]![App]![Tag]!["Trial"]!.AsArray().Count);
    }
}
