using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Productboard;

namespace CohortSync.IntegrationTests.Connectors.Productboard;

/// <summary>The Productboard sandbox's contract, spoken to directly over HTTP: what the connector relies on it to enforce.</summary>
public sealed class ProductboardSandboxTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private SandboxHost _sandbox = null!;

    private ProductboardSandbox Productboard => _sandbox.Get<ProductboardSandbox>();

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _http.BaseAddress = new Uri(_sandbox.BaseAddress, "productboard/");
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Request_WithoutOrWithAWrongToken_Is401AndCounted()
    {
        // Act
        using var missing = await SendAsync(HttpMethod.Get, "users", token: null);
        using var wrong = await SendAsync(HttpMethod.Get, "users", token: "nope");

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(2, Productboard.Unauthorized);
    }

    [Fact]
    public async Task Request_WithoutXVersion1_Is400NamingTheHeader()
    {
        // Act
        using var missing = await SendAsync(HttpMethod.Get, "users", version: null);
        using var wrong = await SendAsync(HttpMethod.Get, "users", version: "2");
        var body = await missing.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("\"parameter\":\"X-Version\"", body, StringComparison.Ordinal);
        Assert.Equal(2, Productboard.BadVersion);
    }

    [Fact]
    public async Task Request_OverTheTokensLimit_Is429WithRetryAfterAndRateLimitHeaders()
    {
        // Arrange: one warm-up request first (first-request JIT). The bucket holds 2 tokens and refills 1 a second; the
        // requests below go until one is refused, so a slow machine that lets a token refill in between changes how many
        // pass, not the outcome, and the count that passed is checked against the time they took.
        using (await SendAsync(HttpMethod.Get, "users"))
        {
        }

        Productboard.RateLimit.PermitsPerSecond = 1;
        Productboard.RateLimit.Burst = 2;
        Productboard.RateLimit.Reset();

        // Act
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var passed = new List<HttpResponseMessage>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await SendAsync(HttpMethod.Get, "users");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                passed.Add(response);
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;

        // Assert
        try
        {
            Assert.All(passed, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal("1", passed[0].Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.NotNull(refused);
            Assert.InRange(passed.Count, 2, 2 + (int)Math.Ceiling(elapsed));
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
            Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
            Assert.Equal(1, Productboard.LimitViolations);
        }
        finally
        {
            passed.ForEach(r => r.Dispose());
            refused?.Dispose();
        }
    }

    [Fact]
    public async Task PostUsers_ExternalIdOrEmailTaken_Is409AndCreatesNothing()
    {
        // Arrange: POST /users only creates; the email is compared case-insensitively.
        Productboard.SeedUser("a@example.com", "ext-a");

        // Act
        using var sameExternalId = await SendAsync(HttpMethod.Post, "users", """{"data":{"externalId":"ext-a"}}""");
        using var sameEmail = await SendAsync(HttpMethod.Post, "users", """{"data":{"externalId":"ext-b","email":"A@example.com"}}""");

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, sameExternalId.StatusCode);
        Assert.Contains(ProductboardSandbox.ExternalIdTakenDetail, await sameExternalId.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, sameEmail.StatusCode);
        Assert.Contains(ProductboardSandbox.EmailTakenDetail, await sameEmail.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(Productboard.Users());
    }

    [Fact]
    public async Task PatchUser_SetsOnlyTheFieldsSentAndAnswersThePublicSchema()
    {
        // Arrange
        var id = Productboard.SeedUser("old@example.com", "ext-a", name: "Jane");
        Productboard.SeedUser("taken@example.com", "ext-b");

        // Act
        using var changed = await SendAsync(HttpMethod.Patch, "users/" + id, """{"data":{"email":"new@example.com"}}""");
        using var taken = await SendAsync(HttpMethod.Patch, "users/" + id, """{"data":{"email":"TAKEN@example.com"}}""");
        using var unknownField = await SendAsync(HttpMethod.Patch, "users/" + id, """{"data":{"role":"admin"}}""");
        using var missing = await SendAsync(HttpMethod.Patch, "users/nope", """{"data":{"email":"x@example.com"}}""");

        // Assert
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using var json = JsonDocument.Parse(await changed.Content.ReadAsStringAsync());
        Assert.Equal(["id", "email", "externalId", "name"], json.RootElement.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal(("new@example.com", "ext-a", "Jane"), (Productboard.FindByExternalId("ext-a")!.Email, Productboard.FindByExternalId("ext-a")!.ExternalId, Productboard.FindByExternalId("ext-a")!.Name));
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (taken.StatusCode, unknownField.StatusCode, missing.StatusCode));
    }

    [Theory]
    [InlineData("""{"data":{"externalId":"u","email":"no-at-sign"}}""", "/data/email")]
    [InlineData("""{"data":{"email":"x@example.com","externalId":""}}""", "/data/externalId")]
    [InlineData("""{"data":{}}""", "/data")]
    public async Task PostUsers_InvalidFields_Is400PointingAtTheField(string body, string field)
    {
        // Act
        using var response = await SendAsync(HttpMethod.Post, "users", body);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"pointer\":\"{field}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUsers_MoreThanAPage_Returns100WithAnAbsoluteNextLinkThenNull()
    {
        // Arrange
        for (var i = 0; i < 150; i++)
        {
            Productboard.SeedUser(null, $"u-{i}");
        }

        // Act
        using var first = await SendAsync(HttpMethod.Get, "users");
        using var firstJson = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        var next = firstJson.RootElement.GetProperty("links").GetProperty("next").GetString()!;
        using var second = await SendAsync(HttpMethod.Get, next);
        using var secondJson = JsonDocument.Parse(await second.Content.ReadAsStringAsync());

        // Assert
        Assert.Equal(100, firstJson.RootElement.GetProperty("data").GetArrayLength());
        Assert.StartsWith(_sandbox.BaseAddress.ToString(), next, StringComparison.Ordinal);
        Assert.Equal(50, secondJson.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, secondJson.RootElement.GetProperty("links").GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Inspection_AfterLinkingAUser_ShowsTheCohortAndItsMembers()
    {
        // Arrange
        using var company = await SendAsync(HttpMethod.Post, "companies", """{"data":{"name":"[Amplitude] Trial","externalId":"cohortsync:s1"}}""");
        using var companyJson = JsonDocument.Parse(await company.Content.ReadAsStringAsync());
        var companyId = companyJson.RootElement.GetProperty("data").GetProperty("id").GetString();
        using var linked = await SendAsync(HttpMethod.Post, "users", $$"""{"data":{"externalId":"u-1","company":{"id":"{{companyId}}"}""" + "}}");

        // Act
        var state = await _http.GetStringAsync(new Uri(_sandbox.BaseAddress, "_sandbox/productboard"));

        // Assert
        using var json = JsonDocument.Parse(state);
        var cohort = Assert.Single(json.RootElement.GetProperty("cohorts").EnumerateArray());
        Assert.Equal("[Amplitude] Trial", cohort.GetProperty("name").GetString());
        Assert.Equal(["u-1"], cohort.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? token = ProductboardSandbox.DefaultToken, string? version = "1")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.RelativeOrAbsolute));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (version is not null)
        {
            request.Headers.Add("X-Version", version);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _http.SendAsync(request);
    }
}
