using System.Text.Json;
using CohortSync.Api.StatusPage;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using CohortSync.Functions.Http;
using Microsoft.AspNetCore.Http;
using Moq;

namespace CohortSync.Functions.Tests;

/// <summary>The status page's functions: the same page and overview the local host serves, through the Functions shells.</summary>
public sealed class StatusPageFunctionsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 5, TimeSpan.Zero);
    private readonly FunctionsShell _shell = new(Now);

    public void Dispose() => _shell.Dispose();

    [Theory]
    [InlineData("/api/status", "text/html")]
    [InlineData("/api/status/syncs/orders", "text/html")]
    [InlineData("/api/status/runs/orders.20260310T120005000.m1a2b", "text/html")]
    [InlineData("/api/status/assets/status.js", "text/javascript")]
    [InlineData("/api/status/assets/status.css", "text/css")]
    public async Task PageAsync_APageOrAsset_IsServedUnderTheStrictPolicy(string path, string mediaType)
    {
        // Arrange
        var request = _shell.Request("GET", path);

        // Act
        var result = await _shell.Create<StatusPageFunctions>().PageAsync(request);
        await result.ExecuteAsync(request.HttpContext);

        // Assert
        var response = request.HttpContext.Response;
        Assert.Equal(StatusCodes.Status200OK, response.StatusCode);
        Assert.StartsWith(mediaType, response.ContentType, StringComparison.Ordinal);
        Assert.Equal(StatusPageHandler.ContentSecurityPolicy, response.Headers.ContentSecurityPolicy.ToString());
        response.Body.Position = 0;
        var text = await new StreamReader(response.Body).ReadToEndAsync();
        if (mediaType == "text/html")
        {
            Assert.Contains("data-base=\"/api/status\"", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PageAsync_UnknownAsset_Answers404()
    {
        // Arrange
        var request = _shell.Request("GET", "/api/status/assets/appsettings.json");

        // Act
        var result = await _shell.Create<StatusPageFunctions>().PageAsync(request);
        await result.ExecuteAsync(request.HttpContext);

        // Assert
        Assert.Equal(StatusCodes.Status404NotFound, request.HttpContext.Response.StatusCode);
    }

    [Fact]
    public async Task OverviewAsync_ASyncWithARun_ListsItsLastRunNextSlotAndBaseline()
    {
        // Arrange: an hourly sync whose 12:00 slot ran; its baseline holds 42 members.
        var runId = "orders.20260310T120000000.s";
        _shell.AddSync(
            new SyncDefinition
            {
                Id = "orders",
                Name = "Orders",
                DestinationId = "dest",
                Source = new SourceDefinition("file", "/data/orders.csv"),
                Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
                Cadence = "hourly",
                CreatedAt = Now.AddDays(-1),
            },
            new SyncState { SyncId = "orders", LastRunId = runId, LastRunStatus = RunStatus.Completed, LastScheduledSlot = new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero) });
        _shell.AddRun(new RunRecord { RunId = runId, SyncId = "orders", Trigger = "schedule", Status = RunStatus.Completed, CreatedAt = Now.AddSeconds(-5), UpdatedAt = Now.AddSeconds(-1), FinishedAt = Now.AddSeconds(-1) });
        _shell.Store.Setup(s => s.ListDestinationsAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([new DestinationDefinition { Id = "dest", Name = "CRM", Type = "webhook" }]);
        Mock.Get(_shell.Services.GetService(typeof(ISnapshotStore)) as ISnapshotStore ?? throw new InvalidOperationException("no snapshot store"))
            .Setup(s => s.GetManifestAsync("orders", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Versioned<SnapshotManifest>(new SnapshotManifest { SyncId = "orders", MemberCount = 42 }, "m-etag"));
        var request = _shell.Request("GET", "/api/overview");

        // Act
        var result = await _shell.Create<StatusPageFunctions>().OverviewAsync(request);
        await result.ExecuteAsync(request.HttpContext);

        // Assert
        var response = request.HttpContext.Response;
        Assert.Equal(StatusCodes.Status200OK, response.StatusCode);
        response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(response.Body);
        var row = Assert.Single(body.RootElement.EnumerateArray());
        Assert.Equal("orders", row.GetProperty("syncId").GetString());
        Assert.Equal("CRM", row.GetProperty("destinationName").GetString());
        Assert.Equal(runId, row.GetProperty("lastRun").GetProperty("runId").GetString());
        Assert.Equal("Completed", row.GetProperty("lastRun").GetProperty("status").GetString());
        Assert.Equal(Now.AddSeconds(-1), row.GetProperty("lastRun").GetProperty("finishedAt").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 13, 0, 0, TimeSpan.Zero), row.GetProperty("nextDue").GetDateTimeOffset());
        Assert.Equal(42, row.GetProperty("baselineSize").GetInt32());
    }
}
