using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CohortSync.Connectors.Amplitude;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Amplitude;

/// <summary>The Amplitude client on a stub handler: the requests it makes, how it reads the answers, how it maps failures.</summary>
public sealed class AmplitudeClientRequestTests : IDisposable
{
    private const string Credentials = "amp-api-key:amp-secret-key-42";
    private static readonly AmplitudeConnection Connection = new(new Uri("https://amplitude.example.test/"), "amp-key", "coh 1");

    private readonly Mock<ISecretStore> _secrets = new();
    private HttpClient? _http;

    public AmplitudeClientRequestTests() =>
        _secrets.Setup(s => s.GetSecretAsync("amp-key", It.IsAny<CancellationToken>())).ReturnsAsync(Credentials);

    public void Dispose() => _http?.Dispose();

    [Fact]
    public async Task GetCohortAsync_CohortListed_ReadsItFromTheCohortListWithBasicAuth()
    {
        // Arrange: lastComputed in seconds, as Amplitude's public sample has it.
        var (client, stub) = Create((_, _, _) => Json(
            """
            {"cohorts":[
              {"id":"other","name":"Other","size":5,"lastComputed":1700000000,"archived":false},
              {"id":"coh 1","name":"Trial users","size":1234,"lastComputed":1764581400,"archived":false}]}
            """));

        // Act
        var cohort = await client.GetCohortAsync(Connection, CancellationToken.None);

        // Assert
        Assert.Equal(new AmplitudeCohort("coh 1", "Trial users", 1234, DateTimeOffset.Parse("2025-12-01T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture), false), cohort);
        var (request, _) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(new Uri("https://amplitude.example.test/api/3/cohorts"), request.RequestUri);
        Assert.Equal(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials))), request.Headers.Authorization);
    }

    [Theory]
    [InlineData("1764581400000")]
    [InlineData("\"2025-12-01T09:30:00Z\"")]
    public async Task GetCohortAsync_LastComputedInMillisecondsOrText_ReadsTheSameInstant(string lastComputed)
    {
        // Arrange
        var (client, _) = Create((_, _, _) => Json($$"""{"cohorts":[{"id":"coh 1","name":"Trial users","size":1,"lastComputed":{{lastComputed}}}]}"""));

        // Act
        var cohort = await client.GetCohortAsync(Connection, CancellationToken.None);

        // Assert
        Assert.Equal(DateTimeOffset.Parse("2025-12-01T09:30:00Z", System.Globalization.CultureInfo.InvariantCulture), cohort!.LastComputed);
    }

    [Fact]
    public async Task GetCohortAsync_ArchivedWithoutNameOrSize_ReadsArchivedWithTheIdAsName()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => Json("""{"cohorts":[{"id":"coh 1","archived":true}]}"""));

        // Act
        var cohort = await client.GetCohortAsync(Connection, CancellationToken.None);

        // Assert
        Assert.Equal(new AmplitudeCohort("coh 1", "coh 1", 0, DateTimeOffset.MinValue, true), cohort);
    }

    [Fact]
    public async Task GetCohortAsync_CohortNotListed_ReturnsNull()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => Json("""{"cohorts":[{"id":"other","name":"Other","size":5}]}"""));

        // Act
        var cohort = await client.GetCohortAsync(Connection, CancellationToken.None);

        // Assert
        Assert.Null(cohort);
    }

    [Fact]
    public async Task RequestExportAsync_WithPropertyKeys_AsksForThemEscapedAndReturnsTheRequestId()
    {
        // Arrange
        var (client, stub) = Create((_, _, _) => Json("""{"request_id":"req-77","cohort_id":"coh 1"}"""));

        // Act
        var requestId = await client.RequestExportAsync(Connection, ["plan", "home city"], CancellationToken.None);

        // Assert
        Assert.Equal("req-77", requestId);
        var (request, _) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("https://amplitude.example.test/api/5/cohorts/request/coh%201?props=1&propKeys=plan&propKeys=home%20city", request.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task RequestExportAsync_NoPropertyKeys_AsksForIdsOnlyAndReadsANumericRequestId()
    {
        // Arrange
        var (client, stub) = Create((_, _, _) => Json("""{"request_id":12345}"""));

        // Act
        var requestId = await client.RequestExportAsync(Connection, [], CancellationToken.None);

        // Assert
        Assert.Equal("12345", requestId);
        Assert.Equal("https://amplitude.example.test/api/5/cohorts/request/coh%201", Assert.Single(stub.Requests).Request.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task RequestExportAsync_404_ThrowsNotFoundNamingTheCohort()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.NotFound));

        // Act
        var error = await Assert.ThrowsAsync<NotFoundException>(() => client.RequestExportAsync(Connection, [], CancellationToken.None));

        // Assert
        Assert.Contains("'coh 1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestExportAsync_AnswerWithoutRequestId_ThrowsInvalidData()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => Json("""{"cohort_id":"coh 1"}"""));

        // Act and assert
        await Assert.ThrowsAsync<InvalidDataException>(() => client.RequestExportAsync(Connection, [], CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "JOB COMPLETED", true)]
    [InlineData(HttpStatusCode.OK, "JOB INPROGRESS", false)]
    [InlineData(HttpStatusCode.Accepted, "JOB INPROGRESS", false)]
    [InlineData(HttpStatusCode.Accepted, "JOB COMPLETED", false)]
    public async Task IsExportCompleteAsync_Status_IsTrueOnlyFor200JobCompleted(HttpStatusCode status, string asyncStatus, bool expected)
    {
        // Arrange
        var (client, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(status, $$"""{"request_id":"req 7","async_status":"{{asyncStatus}}"}"""));

        // Act
        var complete = await client.IsExportCompleteAsync(Connection, "req 7", CancellationToken.None);

        // Assert
        Assert.Equal(expected, complete);
        Assert.Equal("https://amplitude.example.test/api/5/cohorts/request-status/req%207", Assert.Single(stub.Requests).Request.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task IsExportCompleteAsync_JobFailed_ThrowsSayingToRunAgain()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => Json("""{"request_id":"req-7","async_status":"JOB FAILED"}"""));

        // Act
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.IsExportCompleteAsync(Connection, "req-7", CancellationToken.None));

        // Assert
        Assert.Contains("JOB FAILED", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_FileInline_CopiesTheBodyFromTheFilePath()
    {
        // Arrange
        var (client, stub) = Create((_, _, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("user_id\nu-1\nu-2\n") });
        using var target = new MemoryStream();

        // Act
        await client.DownloadAsync(Connection, "req-7", target, CancellationToken.None);

        // Assert
        Assert.Equal("user_id\nu-1\nu-2\n", Encoding.UTF8.GetString(target.ToArray()));
        Assert.Equal(new Uri("https://amplitude.example.test/api/5/cohorts/request/req-7/file"), Assert.Single(stub.Requests).Request.RequestUri);
    }

    [Fact]
    public async Task DownloadAsync_Redirect_FollowsTheLinkWithoutCredentials()
    {
        // Arrange
        var link = new Uri("https://files.example.test/export.csv?sig=abc");
        var (client, stub) = Create((request, _, _) => request.RequestUri == link
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("user_id\nu-1\n") }
            : Redirect(link));
        using var target = new MemoryStream();

        // Act
        await client.DownloadAsync(Connection, "req-7", target, CancellationToken.None);

        // Assert
        Assert.Equal("user_id\nu-1\n", Encoding.UTF8.GetString(target.ToArray()));
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(link, stub.Requests[1].Request.RequestUri);
        Assert.Null(stub.Requests[1].Request.Headers.Authorization);
    }

    [Fact]
    public async Task DownloadAsync_RelativeRedirect_ResolvesItAgainstTheApiHost()
    {
        // Arrange
        var (client, stub) = Create((request, _, i) => i == 0
            ? Redirect(new Uri("/exports/f.csv", UriKind.Relative))
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("user_id\n") });
        using var target = new MemoryStream();

        // Act
        await client.DownloadAsync(Connection, "req-7", target, CancellationToken.None);

        // Assert
        Assert.Equal(new Uri("https://amplitude.example.test/exports/f.csv"), stub.Requests[1].Request.RequestUri);
    }

    [Fact]
    public async Task DownloadAsync_LinkExpired_RequestsTheFileAfreshAndUsesTheNewLink()
    {
        // Arrange: the first link has expired (403); the second request for the file gives a fresh one.
        var stale = new Uri("https://files.example.test/stale.csv");
        var fresh = new Uri("https://files.example.test/fresh.csv");
        var files = 0;
        var (client, stub) = Create((request, _, _) =>
            request.RequestUri == stale ? StubHttpMessageHandler.Status(HttpStatusCode.Forbidden)
            : request.RequestUri == fresh ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("user_id\nu-9\n") }
            : Redirect(files++ == 0 ? stale : fresh));
        using var target = new MemoryStream();

        // Act
        await client.DownloadAsync(Connection, "req-7", target, CancellationToken.None);

        // Assert
        Assert.Equal("user_id\nu-9\n", Encoding.UTF8.GetString(target.ToArray()));
        Assert.Equal(
            ["/api/5/cohorts/request/req-7/file", "/stale.csv", "/api/5/cohorts/request/req-7/file", "/fresh.csv"],
            stub.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
    }

    [Fact]
    public async Task DownloadAsync_LinkExpiredThreeTimes_ThrowsAfterTheThirdFileRequest()
    {
        // Arrange
        var link = new Uri("https://files.example.test/export.csv");
        var (client, stub) = Create((request, _, _) => request.RequestUri == link ? StubHttpMessageHandler.Status(HttpStatusCode.Gone) : Redirect(link));
        using var target = new MemoryStream();

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => client.DownloadAsync(Connection, "req-7", target, CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.Gone, error.StatusCode);
        Assert.Equal(6, stub.Requests.Count);
        Assert.Equal(0, target.Length);
    }

    [Fact]
    public async Task AnyRequest_401_InvalidatesTheSecretAndTriesOnceMoreWithTheFreshOne()
    {
        // Arrange
        _secrets.SetupSequence(s => s.GetSecretAsync("amp-key", It.IsAny<CancellationToken>())).ReturnsAsync("stale:key").ReturnsAsync(Credentials);
        var (client, stub) = Create((_, _, i) => i == 0 ? StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized) : Json("""{"cohorts":[]}"""));

        // Act
        await client.GetCohortAsync(Connection, CancellationToken.None);

        // Assert
        Assert.Equal(2, stub.Requests.Count);
        _secrets.Verify(s => s.Invalidate("amp-key"), Times.Once);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials)), stub.Requests[1].Request.Headers.Authorization!.Parameter);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, 2)]
    [InlineData(HttpStatusCode.Forbidden, 1)]
    public async Task AnyRequest_KeyRefused_ThrowsAuthSayingWhatToCheck(HttpStatusCode status, int requests)
    {
        // Arrange
        var (client, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(status));

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => client.GetCohortAsync(Connection, CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
        Assert.Contains("api_key:secret_key", error.Message, StringComparison.Ordinal);
        Assert.Equal(requests, stub.Requests.Count);
    }

    [Fact]
    public async Task AnyRequest_429_ThrowsRetryableWithTheWaitAndAmplitudesExplanation()
    {
        // Arrange
        var (client, _) = Create((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests, """{"error":"exceeded 5 concurrent requests"}""");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return response;
        });

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => client.RequestExportAsync(Connection, [], CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.Contains("exceeded 5 concurrent requests", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task AnyRequest_5xx_ThrowsRetryable(HttpStatusCode status)
    {
        // Arrange
        var (client, _) = Create((_, _, _) => StubHttpMessageHandler.Status(status));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => client.IsExportCompleteAsync(Connection, "req-7", CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task AnyRequest_400_ThrowsRejected()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.BadRequest, """{"error":"Cohort is too large to download"}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => client.RequestExportAsync(Connection, [], CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task AnyRequest_ConnectionDrops_ThrowsRetryable()
    {
        // Arrange
        var (client, _) = Create((_, _, _) => throw new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => client.GetCohortAsync(Connection, CancellationToken.None));

        // Assert
        Assert.Null(error.StatusCode);
        Assert.Contains("NameResolutionError", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task AnyRequest_Failure_KeepsTheCredentialsOutOfTheError(HttpStatusCode status)
    {
        // Arrange
        var (client, _) = Create((_, _, _) => StubHttpMessageHandler.Status(status, """{"error":"refused"}"""));

        // Act
        var error = await Assert.ThrowsAnyAsync<DestinationException>(() => client.RequestExportAsync(Connection, [], CancellationToken.None));

        // Assert: neither the key pair nor its Basic encoding.
        Assert.DoesNotContain("amp-secret-key-42", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials)), error.ToString(), StringComparison.Ordinal);
    }

    private (AmplitudeClient Client, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        _http = new HttpClient(stub);
        return (new AmplitudeClient(_http, _secrets.Object), stub);
    }

    private static HttpResponseMessage Json(string json) => StubHttpMessageHandler.Status(HttpStatusCode.OK, json);

    private static HttpResponseMessage Redirect(Uri location)
    {
        var response = new HttpResponseMessage(HttpStatusCode.Found);
        response.Headers.Location = location;
        return response;
    }
}
