using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.TestHelpers;

namespace CohortSync.Connectors.Tests.Common;

public sealed class ResilienceHandlerTests
{
    [Fact]
    public async Task SendAsync_TransientFailuresThenSuccess_RetriesWithTheSameBody()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, i) => i < 2
            ? StubHttpMessageHandler.Status(i == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.TooManyRequests)
            : StubHttpMessageHandler.Status(HttpStatusCode.OK));
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });

        // Act
        using var response = await client.PostAsync(new Uri("http://sandbox.test/x"), new StringContent("{\"a\":1}"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, stub.Requests.Count);
        Assert.All(stub.Requests, r => Assert.Equal("{\"a\":1}", r.Body));
    }

    [Fact]
    public async Task SendAsync_RequestCarryingTheCredentialsLimiter_TakesAPermitForEveryRetry()
    {
        // Arrange: the connector took the first try's permit; the two retries are requests the vendor counts too.
        var stub = new StubHttpMessageHandler((_, _, i) => StubHttpMessageHandler.Status(i < 2 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK));
        using var limiter = new PacedRateLimiter(1000);
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://sandbox.test/x"));
        request.Options.Set(ResilienceHandler.LimiterKey, (System.Threading.RateLimiting.RateLimiter)limiter);

        // Act
        using var response = await client.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(2, limiter.GetStatistics()!.TotalSuccessfulLeases);
    }

    [Fact]
    public async Task SendAsync_429WithoutAHintOfHowLongToWait_CutsTheCredentialsRate()
    {
        // Arrange: the first try is refused with a bare 429 (no Retry-After, no X-RateLimit-*); the retry passes.
        var stub = new StubHttpMessageHandler((_, _, i) => StubHttpMessageHandler.Status(i == 0 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK));
        using var limiter = new AdaptiveRateLimiter(1000, burst: 2);
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://sandbox.test/x"));
        request.Options.Set(ResilienceHandler.LimiterKey, (System.Threading.RateLimiting.RateLimiter)limiter);

        // Act
        using var response = await client.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(500, limiter.PermitsPerSecond, 9);
    }

    [Theory]
    [InlineData("Retry-After")]
    [InlineData("X-RateLimit-Reset")]
    public async Task SendAsync_429SayingHowLongToWait_IsWaitedOutWithoutCuttingTheRate(string header)
    {
        // Arrange: "0": retry at once, as asked.
        var stub = new StubHttpMessageHandler((_, _, i) =>
        {
            var response = StubHttpMessageHandler.Status(i == 0 ? HttpStatusCode.TooManyRequests : HttpStatusCode.OK);
            response.Headers.TryAddWithoutValidation(header, "0");
            return response;
        });
        using var limiter = new AdaptiveRateLimiter(1000, burst: 2);
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://sandbox.test/x"));
        request.Options.Set(ResilienceHandler.LimiterKey, (System.Threading.RateLimiting.RateLimiter)limiter);

        // Act
        using var response = await client.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal((1000.0, 0), (limiter.PermitsPerSecond, limiter.Epoch));
    }

    [Fact]
    public async Task SendAsync_RetryAfterLongerThanTheInlineBudget_ReturnsTheResponseWithoutRetrying()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests);
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMinutes(5));
            return response;
        });
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });

        // Act
        using var response = await client.GetAsync(new Uri("http://sandbox.test/x"));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Single(stub.Requests);
        Assert.Equal(TimeSpan.FromMinutes(5), HttpStatusMapper.RetryAfter(response));
    }

    [Fact]
    public async Task SendAsync_ClientError_IsNotRetried()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.BadRequest));
        using var client = new HttpClient(new ResilienceHandler(TimeProvider.System, baseDelay: TimeSpan.FromMilliseconds(1)) { InnerHandler = stub });

        // Act
        using var response = await client.GetAsync(new Uri("http://sandbox.test/x"));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(stub.Requests);
    }
}
