using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.LocalHostTesting;
using CohortSync.Sandbox;
using CohortSync.TestHelpers;

namespace CohortSync.IntegrationTests.Notifications;

/// <summary>A sync's notifications through the HTTP API: bad ones refused with every field named, good ones stored and described.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class NotificationApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private SandboxHost _sandbox = null!;
    private LocalHostUnderTest _host = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _host = await LocalHostUnderTest.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix());
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Api_SyncWithBadNotifications_Answers400NamingEachFieldAndStoresNothing_GoodOnesAreStored()
    {
        // Arrange
        using var destination = await _host.Client.PostAsJsonAsync("api/destinations", LocalHostUnderTest.WebhookDestination("hook", _sandbox, "k"));
        var bad = Sync(new object[]
        {
            new { type = "webhook", url = "https://ops.example.test/hook", events = new[] { "finished" } },
            new { type = "email", url = "mailto:ops@example.test" },
        });
        var good = Sync(new object[]
        {
            new { type = "webhook", url = "https://ops.example.test/hook", secretName = "notify-key", events = new[] { "failed", "partlyFailed" } },
            new { type = "slack", secretName = "slack-url" },
        });

        // Act
        using var refused = await _host.Client.PostAsJsonAsync("api/syncs", bad);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var unknownField = await _host.Client.PostAsJsonAsync("api/syncs", Sync(new object[] { new { type = "teams", url = "https://t.test/", channel = "x" } }));
        using var missing = await _host.Client.GetAsync(new Uri("api/syncs/s1", UriKind.Relative));
        using var saved = await _host.Client.PostAsJsonAsync("api/syncs", good);
        var stored = await _host.GetJsonAsync("api/syncs/s1");
        var openApi = await _host.GetJsonAsync("api/openapi.json");

        // Assert
        Assert.Equal(HttpStatusCode.Created, destination.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(
            ["notifications[0].events", "notifications[0].secretName", "notifications[1].type", "notifications[1].url"],
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True(saved.IsSuccessStatusCode, $"{saved.StatusCode}: {await saved.Content.ReadAsStringAsync()}");
        var targets = stored.GetProperty("notifications").EnumerateArray().ToList();
        Assert.Equal(["webhook", "slack"], targets.Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(["failed", "partlyFailed"], targets[0].GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var schemas = openApi.GetProperty("components").GetProperty("schemas");
        Assert.Equal("#/components/schemas/NotificationTarget", schemas.GetProperty("Sync").GetProperty("properties").GetProperty("notifications").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/NotificationRecord", schemas.GetProperty("Run").GetProperty("properties").GetProperty("notifications").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal(6, schemas.GetProperty("NotificationTarget").GetProperty("properties").GetProperty("events").GetProperty("items").GetProperty("enum").GetArrayLength());
    }

    private static object Sync(object[] notifications) => new
    {
        id = "s1",
        name = "Sync s1",
        destinationId = "hook",
        source = new { type = "file", location = "/data/cohort.csv" },
        identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
        notifications,
    };
}
