using System.Net;
using CohortSync.Connectors.Pushwoosh;
using CohortSync.Core.Errors;
using CohortSync.TestHelpers;

namespace CohortSync.Connectors.Tests.Pushwoosh;

/// <summary>The client's one error mapping: HTTP statuses and json/1.3 envelope codes both go through HttpStatusMapper.</summary>
public sealed class PushwooshClientTests : IDisposable
{
    private readonly List<HttpClient> _clients = [];

    public void Dispose() => _clients.ForEach(c => c.Dispose());

    [Theory]
    [InlineData(HttpStatusCode.OK, 429, typeof(RetryableDestinationException))]
    [InlineData(HttpStatusCode.OK, 503, typeof(RetryableDestinationException))]
    [InlineData(HttpStatusCode.OK, 401, typeof(DestinationAuthException))]
    [InlineData(HttpStatusCode.OK, 210, typeof(DestinationRejectedException))]
    [InlineData(HttpStatusCode.Locked, 423, typeof(RetryableDestinationException))]
    [InlineData(HttpStatusCode.BadRequest, 400, typeof(DestinationRejectedException))]
    public async Task ListTagsAsync_ErrorStatusOrEnvelopeCode_MapsLikeTheSharedMapper(HttpStatusCode http, int envelope, Type expected)
    {
        // Arrange
        var client = Client((_, _, _) => StubHttpMessageHandler.Status(http, $$"""{"status_code":{{envelope}},"status_message":"no for a@example.com","response":null}"""));

        // Act
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ListTagsAsync(CancellationToken.None));

        // Assert
        Assert.IsType(expected, error);
        Assert.DoesNotContain("a@example.com", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("server-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTagsAsync_EnvelopeRateLimitWithRetryAfter_KeepsTheWait()
    {
        // Arrange
        var client = Client((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"status_code":429,"status_message":"Too many requests","response":null}""");
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
            return response;
        });

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => client.ListTagsAsync(CancellationToken.None));

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task BulkSetTagsStatusAsync_Always_ReadsWithoutATokenAndEscapesTheRequestId()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"status":"Completed"}"""));
        var client = Client(stub);

        // Act
        var status = await client.BulkSetTagsStatusAsync("a b", new Connectors.Common.SharePacer(new Connectors.Common.AdaptiveRateLimiter(10_000, 1, TimeProvider.System), 1, TimeProvider.System, 0), CancellationToken.None);

        // Assert
        Assert.True(status.IsCompleted);
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal("http://pushwoosh.test/api/v2/audience/bulkSetTags/a%20b?detailed=true", request.RequestUri!.AbsoluteUri);
        Assert.Null(body);
        Assert.Null(request.Headers.Authorization);
    }

    private PushwooshClient Client(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond) => Client(new StubHttpMessageHandler(respond));

    private PushwooshClient Client(StubHttpMessageHandler stub)
    {
        var http = new HttpClient(stub);
        _clients.Add(http);
        return new PushwooshClient(
            async (build, _, ct) => await http.SendAsync(build("server-token"), ct),
            new Uri("http://pushwoosh.test/"),
            TimeProvider.System);
    }
}
