using System.Net;
using System.Text.Json;
using CohortSync.Api.StatusPage;

namespace CohortSync.BrowserTests;

/// <summary>The page's files and the overview route over real HTTP, without a browser.</summary>
[Collection(StatusPageCollection.Name)]
public sealed class StatusPageHttpTests(StatusPageFixture fixture)
{
    [Theory]
    [InlineData("api/status")]
    [InlineData("api/status/")]
    [InlineData("api/status/syncs/trial-no-invite")]
    [InlineData("api/status/runs/anything")]
    public async Task Page_WithoutAKey_IsTheShellUnderAStrictPolicyWithNoData(string path)
    {
        // Act
        using var response = await fixture.Anonymous.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StatusPageHandler.ContentSecurityPolicy, string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("<script src=\"/api/status/assets/status.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("data-base=\"/api/status\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{base}}", html, StringComparison.Ordinal);
        Assert.DoesNotContain("CRM webhook", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Trial, no invite", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/status/assets/status.js", "text/javascript")]
    [InlineData("api/status/assets/status.css", "text/css")]
    public async Task Assets_AreServedFromTheAssemblyWithTheirType(string path, string mediaType)
    {
        // Act
        using var response = await fixture.Anonymous.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True(text.Length > 1000, $"{path} is {text.Length} characters");
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/status/assets/secrets.json")]
    [InlineData("api/status/assets/..%2F..%2Fopenapi.json")]
    [InlineData("api/status/syncs")]
    [InlineData("api/status/syncs/a/b")]
    [InlineData("api/status/elsewhere")]
    [InlineData("api/statusx")]
    public async Task UnknownPagesAndAssets_Answer404(string path)
    {
        // Act
        using var response = await fixture.Anonymous.GetAsync(new Uri(path, UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Overview_SeededSyncs_SaysWhatTheirRunsAndStatesSay()
    {
        // Act
        var overview = (await fixture.GetJsonAsync("api/overview")).EnumerateArray().ToList();

        // Assert: one row per sync, by id, each as the sync, its state and its runs say.
        Assert.Equal([StatusPageFixture.HeldSync, StatusPageFixture.TrialSync], overview.Select(r => r.GetProperty("syncId").GetString()));
        foreach (var row in overview)
        {
            var id = row.GetProperty("syncId").GetString()!;
            var status = await fixture.GetJsonAsync($"api/syncs/{id}/status");
            var runs = (await fixture.GetJsonAsync($"api/syncs/{id}/runs")).EnumerateArray().ToList();
            var lastSent = runs.First(r => r.TryGetProperty("outcome", out _) && r.GetProperty("mode").GetString() != "DryRun");
            var lastRun = runs.Single(r => r.GetProperty("runId").GetString() == status.GetProperty("lastRunId").GetString());

            Assert.Equal("CRM webhook", row.GetProperty("destinationName").GetString());
            Assert.Equal("webhook", row.GetProperty("destinationType").GetString());
            Assert.Equal(lastRun.GetProperty("runId").GetString(), row.GetProperty("lastRun").GetProperty("runId").GetString());
            Assert.Equal(lastRun.GetProperty("status").GetString(), row.GetProperty("lastRun").GetProperty("status").GetString());
            Assert.Equal(lastRun.GetProperty("finishedAt").GetDateTimeOffset(), row.GetProperty("lastRun").GetProperty("finishedAt").GetDateTimeOffset());
            Assert.Equal(lastSent.GetProperty("outcome").GetProperty("baselineAfter").GetInt32(), row.GetProperty("baselineSize").GetInt32());
            Assert.Equal(status.TryGetProperty("activeRunId", out var active) ? active.GetString() : null, row.TryGetProperty("activeRunId", out var shown) ? shown.GetString() : null);
        }

        var trial = overview.Single(r => r.GetProperty("syncId").GetString() == StatusPageFixture.TrialSync);
        var held = overview.Single(r => r.GetProperty("syncId").GetString() == StatusPageFixture.HeldSync);
        var created = (await fixture.GetJsonAsync($"api/syncs/{StatusPageFixture.TrialSync}")).GetProperty("createdAt").GetDateTimeOffset();

        // The daily sync has never had a scheduled slot (the timer is off here): its first slot, its creation, is due.
        Assert.Equal(new DateTimeOffset(created.Ticks - (created.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero), trial.GetProperty("nextDue").GetDateTimeOffset());
        Assert.False(held.TryGetProperty("nextDue", out _), "a manual sync has no next slot");
        Assert.DoesNotContain(StatusPageFixture.Secret, JsonSerializer.Serialize(overview), StringComparison.Ordinal);
    }
}
