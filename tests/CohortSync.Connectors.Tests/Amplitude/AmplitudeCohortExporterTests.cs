using System.Net;
using CohortSync.Connectors.Amplitude;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Workflow;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Amplitude;

/// <summary>What the exporter refuses before spending an export, on the client over a stub handler and a mocked export store.</summary>
public sealed class AmplitudeCohortExporterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 11, 0, 0, TimeSpan.Zero);
    private static readonly SourceDefinition Source = new("amplitude", "coh-1", Settings: new Dictionary<string, string> { ["baseUrl"] = "https://exporter.example.test" }, SecretName: "amp-key");

    private readonly Mock<ISecretStore> _secrets = new();
    private readonly Mock<IExportStore> _exports = new();
    private HttpClient? _http;

    public AmplitudeCohortExporterTests() =>
        _secrets.Setup(s => s.GetSecretAsync("amp-key", It.IsAny<CancellationToken>())).ReturnsAsync("key:secret");

    public void Dispose() => _http?.Dispose();

    [Fact]
    public async Task StartAsync_CohortOverTwoMillionMembers_RefusesWithoutRequestingAnExport()
    {
        // Arrange
        var (exporter, stub) = Create(AmplitudeCohortExporter.MaxExportMembers + 1);

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => exporter.StartAsync(Source, ["user_id"], null, force: false, Now, CancellationToken.None));

        // Assert
        Assert.Contains("has 2,000,001 members", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 2,000,000", error.Message, StringComparison.Ordinal);
        Assert.Equal(["/api/3/cohorts"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        _exports.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task StartAsync_CohortOfExactlyTwoMillion_RequestsTheExport()
    {
        // Arrange
        var (exporter, stub) = Create(AmplitudeCohortExporter.MaxExportMembers);

        // Act
        var ticket = await exporter.StartAsync(Source, ["user_id"], null, force: false, Now, CancellationToken.None);

        // Assert
        Assert.Equal(ExportState.Requested, ticket.State);
        Assert.Equal("req-1", ticket.RequestId);
        Assert.Equal(["/api/3/cohorts", "/api/5/cohorts/request/coh-1"], stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task StartAsync_ArchivedCohort_RefusesWithoutRequestingAnExport()
    {
        // Arrange
        var (exporter, stub) = Create(10, archived: true);

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() => exporter.StartAsync(Source, ["user_id"], null, force: false, Now, CancellationToken.None));

        // Assert
        Assert.Contains("archived", error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests);
    }

    private (AmplitudeCohortExporter Exporter, StubHttpMessageHandler Stub) Create(long size, bool archived = false)
    {
        var stub = new StubHttpMessageHandler((request, _, _) => request.RequestUri!.AbsolutePath == "/api/3/cohorts"
            ? StubHttpMessageHandler.Status(
                HttpStatusCode.OK,
                $$"""{"cohorts":[{"id":"coh-1","name":"Big","size":{{size}},"lastComputed":1764581400,"archived":{{(archived ? "true" : "false")}}}]}""")
            : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"request_id":"req-1"}"""));
        _http = new HttpClient(stub);
        return (new AmplitudeCohortExporter(new AmplitudeClient(_http, _secrets.Object), _exports.Object), stub);
    }
}
