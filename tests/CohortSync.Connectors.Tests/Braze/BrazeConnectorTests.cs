using System.Globalization;
using System.Net;
using System.Text.Json;
using CohortSync.Connectors.Braze;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace CohortSync.Connectors.Tests.Braze;

public sealed class BrazeConnectorTests : IDisposable
{
    private const string DataImportKeyName = "braze-dik";
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly Mock<ISecretStore> _secrets = new();
    private string _usPartnerKey = "partner-us";

    public BrazeConnectorTests()
    {
        _secrets.Setup(s => s.GetSecretAsync("braze-partner-key-us", It.IsAny<CancellationToken>())).ReturnsAsync(() => _usPartnerKey);
        _secrets.Setup(s => s.GetSecretAsync("braze-partner-key-eu", It.IsAny<CancellationToken>())).ReturnsAsync("partner-eu");
        _secrets.Setup(s => s.GetSecretAsync(DataImportKeyName, It.IsAny<CancellationToken>())).ReturnsAsync("data-import-key");
    }

    public void Dispose() => _limits.Dispose();

    [Fact]
    public async Task EnsureContainerAsync_NewCohort_PostsTheCohortNameCallToTheClusterHost()
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);
        var createdAt = new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.FromHours(1));

        // Act
        var id = await connector.EnsureContainerAsync(Destination("US-03"), new ContainerRequest("s1", "Trial, no invite", null, createdAt), CancellationToken.None);

        // Assert
        Assert.Equal("cohortsync-s1", id);
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://rest.iad-03.braze.com/partners/amplitude/cohorts"), request.RequestUri);
        Assert.Empty(request.Headers);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("partner-us", json.RootElement.GetProperty("partner_api_key").GetString());
        Assert.Equal("data-import-key", json.RootElement.GetProperty("client_secret").GetString());
        Assert.Equal("cohortsync-s1", json.RootElement.GetProperty("cohort_id").GetString());
        Assert.Equal("Trial, no invite", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("2026-11-22T10:30:00.000+01:00", json.RootElement.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task EnsureContainerAsync_ExistingContainer_NamesTheSameCohortAgain()
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);

        // Act
        var id = await connector.EnsureContainerAsync(Destination("US-01"), new ContainerRequest("s1", "Renamed", "cohortsync-old", DateTimeOffset.UnixEpoch), CancellationToken.None);

        // Assert
        Assert.Equal("cohortsync-old", id);
        using var json = JsonDocument.Parse(Assert.Single(stub.Requests).Body!);
        Assert.Equal("cohortsync-old", json.RootElement.GetProperty("cohort_id").GetString());
        Assert.Equal("Renamed", json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task SendAsync_EuCluster_UsesTheEuPartnerKeyAndHost()
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);

        // Act
        await connector.SendAsync(Destination("EU-02"), Send(Adds(3)), CancellationToken.None);

        // Assert
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri("https://rest.fra-02.braze.eu/partners/amplitude/cohorts/users"), request.RequestUri);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("partner-eu", json.RootElement.GetProperty("partner_api_key").GetString());
        Assert.Equal("cohortsync-s1", json.RootElement.GetProperty("cohort_id").GetString());
    }

    [Fact]
    public async Task SendAsync_BaseUrlSetting_OverridesTheClusterHostButNotItsKey()
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);
        var destination = Destination("EU-01", baseUrl: "http://127.0.0.1:5000/braze/eu-01");

        // Act
        await connector.SendAsync(destination, Send(Adds(1)), CancellationToken.None);

        // Assert
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri("http://127.0.0.1:5000/braze/eu-01/partners/amplitude/cohorts/users"), request.RequestUri);
        Assert.Contains("\"partner-eu\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_MoreThanAThousandChanges_SendsOneRequestPerThousand()
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);

        // Act
        var result = await connector.SendAsync(Destination("US-03"), Send(Adds(2_500)), CancellationToken.None);

        // Assert
        Assert.Equal(3, result.Requests);
        Assert.Empty(result.Rejections);
        Assert.Equal([1_000, 1_000, 500], stub.Requests.Select(r => IdentifierCount(r.Body!)));
    }

    [Fact]
    public async Task SendAsync_InvalidPartnerKey_RereadsThePartnerKeyOnceAndSucceeds()
    {
        // Arrange: the partner key was rotated; the cached value is stale until invalidated.
        _secrets.Setup(s => s.Invalidate("braze-partner-key-us")).Callback(() => _usPartnerKey = "partner-us-rotated");
        var stub = new StubHttpMessageHandler((_, body, _) => body!.Contains("\"partner-us-rotated\"", StringComparison.Ordinal)
            ? StubHttpMessageHandler.Status(HttpStatusCode.OK, "{\"message\":\"success\"}")
            : StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized, "{\"message\":\"Invalid Partner API key\"}"));
        var connector = Connector(stub);

        // Act
        var result = await connector.SendAsync(Destination("US-03"), Send(Adds(10)), CancellationToken.None);

        // Assert
        Assert.Equal(1, result.Requests);
        _secrets.Verify(s => s.Invalidate("braze-partner-key-us"), Times.Once);

        // The base class re-reads the Data Import Key after the first 401; the second sends the rotated partner key.
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_PartnerNotEnabled_ThrowsAuthWithoutTheClientSecret()
    {
        // Arrange
        var stub = new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.Unauthorized, "{\"message\":\"Partner not enabled for client with client secret: data-import-key\"}"));
        var connector = Connector(stub);

        // Act
        var error = await Assert.ThrowsAsync<DestinationAuthException>(() => connector.SendAsync(Destination("US-03"), Send(Adds(1)), CancellationToken.None));

        // Assert
        Assert.Contains("Partner not enabled", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("data-import-key", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_ResourceLocked_ThrowsRetryable()
    {
        // Arrange
        var connector = Connector(new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.Locked, "{\"message\":\"Resource locked\"}")));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination("US-03"), Send(Adds(1)), CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.Locked, error.StatusCode);
        Assert.Contains("Resource locked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RateLimited_ThrowsRetryableWithTheWaitFromXRateLimitReset()
    {
        // Arrange
        var reset = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds();
        var connector = Connector(new StubHttpMessageHandler((_, _, _) =>
        {
            var response = StubHttpMessageHandler.Status(HttpStatusCode.TooManyRequests, "{\"message\":\"Rate Limited\"}");
            response.Headers.Add("X-RateLimit-Limit", "250000");
            response.Headers.Add("X-RateLimit-Remaining", "0");
            response.Headers.Add("X-RateLimit-Reset", reset.ToString(CultureInfo.InvariantCulture));
            return response;
        }));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination("US-03"), Send(Adds(1)), CancellationToken.None));

        // Assert: the reset is whole seconds less than 30 s ahead of the clock, read again by the connector a little later
        // (HttpStatusMapper reads the system clock); the lower bound allows a slow machine 5 s.
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task SendAsync_BadRequest_ThrowsRejectedWithBrazesMessage()
    {
        // Arrange
        var connector = Connector(new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.BadRequest, "{\"message\":\"Only 1,000 `user_ids`, `device_ids`, and `aliases` are allowed per request\"}")));

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => connector.SendAsync(Destination("US-03"), Send(Adds(1)), CancellationToken.None));

        // Assert
        Assert.Contains(BrazeErrors.TooManyIdentifiers, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServerErrorQuotingAnIdentifier_KeepsItOutOfTheException()
    {
        // Arrange
        var connector = Connector(new StubHttpMessageHandler((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.InternalServerError, "{\"message\":\"failed on user-0\"}")));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination("US-03"), Send(Adds(1)), CancellationToken.None));

        // Assert
        Assert.DoesNotContain("user-0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("US-99")]
    public async Task EnsureContainerAsync_NoKnownCluster_ThrowsValidationNamingTheClusters(string? cluster)
    {
        // Arrange
        var stub = Ok();
        var connector = Connector(stub);

        // Act
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            connector.EnsureContainerAsync(Destination(cluster), new ContainerRequest("s1", "c", null, DateTimeOffset.UnixEpoch), CancellationToken.None));

        // Assert
        Assert.Contains("EU-01", string.Join(" ", error.Errors["settings.cluster"]), StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Describe_PartnerMode_TakesTenRequestsOfThreeKindsAndSaysBrazeNeverCreatesUsers()
    {
        // Act
        var capabilities = Connector(Ok()).Describe(Destination("US-03"));

        // Assert
        Assert.Equal(10_000, capabilities.MaxBatchSize);
        Assert.Equal([KeyKind.UserId, KeyKind.Alias, KeyKind.DeviceId], capabilities.KeyKinds);
        Assert.Contains(capabilities.Notes, n => n.StartsWith("Braze adds only users who already exist", StringComparison.Ordinal));
    }

    [Fact]
    public void AddCohortSyncConnectors_BadPartnerKeySecretName_FailsOptionsValidation()
    {
        // Arrange
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Connectors:Braze:EuPartnerKeySecret", "not a secret name!")])
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddCohortSyncConnectors().BuildServiceProvider();

        // Act
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<BrazeOptions>>().Value);

        // Assert
        Assert.Contains("EuPartnerKeySecret", error.Message, StringComparison.Ordinal);
    }

    private BrazeConnector Connector(StubHttpMessageHandler stub) =>
        new(new HttpClient(stub), _secrets.Object, _limits, TimeProvider.System, Options.Create(new BrazeOptions()), NullLogger<BrazeConnector>.Instance);

    private static StubHttpMessageHandler Ok() =>
        new((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK, "{\"message\":\"success\"}"));

    private static DestinationDefinition Destination(string? cluster, string? baseUrl = null)
    {
        var settings = new Dictionary<string, string> { ["requestsPerSecond"] = "10000", ["mode"] = "partnerCohort", ["partnerName"] = "amplitude" };
        if (cluster is not null)
        {
            settings["cluster"] = cluster;
        }

        if (baseUrl is not null)
        {
            settings["baseUrl"] = baseUrl;
        }

        return new DestinationDefinition { Id = "bz", Name = "Braze", Type = BrazeConnector.TypeName, Settings = settings, SecretName = DataImportKeyName };
    }

    private static SendRequest Send(IReadOnlyList<SnapshotChange> changes) => new("s1", "r1", 0, "cohortsync-s1", changes);

    private static List<SnapshotChange> Adds(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new SnapshotChange(ChangeKind.Add, SnapshotEntry.Create(new DestinationKey(KeyKind.UserId, $"user-{i}").Encode(), null)))
            .ToList();

    private static int IdentifierCount(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("cohort_changes").EnumerateArray()
            .Sum(c => c.GetProperty("user_ids").GetArrayLength() + c.GetProperty("device_ids").GetArrayLength() + c.GetProperty("aliases").GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(Resolved.Keys), MemberType = typeof(Resolved))]
    public void Validate_ResolvedMember_GivesTheReasonOfTheStringCheck(KeyKind kind, string value)
    {
        // Arrange
        var connector = Connector(Ok());
        var member = Resolved.Member(kind, value, kind == KeyKind.Alias ? "label" : null);

        // Act
        var reason = connector.Validate(member);

        // Assert
        Assert.Equal(connector.Validate(new DestinationKey(kind, value, kind == KeyKind.Alias ? "label" : null), null), reason);
    }
}
