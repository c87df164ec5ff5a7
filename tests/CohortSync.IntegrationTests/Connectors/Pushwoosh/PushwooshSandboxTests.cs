using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>The Pushwoosh sandbox's bulkSetTags contract, over raw HTTP: what it refuses and how it answers.</summary>
public sealed class PushwooshSandboxTests : PushwooshSandboxTestBase
{
    [Fact]
    public async Task BulkSetTags_FiftyKnownAndUnknownUsers_IsPendingThenCompletesReportingUnknownUsers()
    {
        // Arrange
        Pushwoosh.AddUsers(Users(0, 48));
        var body = Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 50), "append");

        // Act
        using var accepted = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
        await Pushwoosh.WhenIdleAsync();
        var status = await Http.GetFromJsonAsync<JsonObject>(new Uri($"api/v2/audience/bulkSetTags/{id["request_id"]}?detailed=true", UriKind.Relative));

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
        using var accepted = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 2), "append")));
        Pushwoosh.MinBulkDevices = 50;
        using var refused = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 2), "append")));
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
        using var accepted = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultServerToken, Users(0, 5), "append")));
        var id = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
        await Pushwoosh.WhenIdleAsync();
        var status = (await Http.GetFromJsonAsync<JsonObject>(new Uri($"api/v2/audience/bulkSetTags/{id["request_id"]}?detailed=true", UriKind.Relative)))!;

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
        using var response = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("devices[3]: exactly one of hwid, user_id and push_token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BulkSetTags_DeviceTokenInTheBody_IsAnAuthError()
    {
        // Act
        using var response = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk(PushwooshSandbox.DefaultDeviceToken, Users(0, 50), "append")));

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
        using var response = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(Bulk("restricted", Users(0, 50), "append")));
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
        using var response = await Http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));

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
}
