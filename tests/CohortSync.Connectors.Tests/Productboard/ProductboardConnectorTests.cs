using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Productboard;

public sealed class ProductboardConnectorTests : IDisposable
{
    private const string Company = "c-1";
    private readonly Mock<ISecretStore> _secrets = new();
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly List<HttpClient> _clients = [];

    public ProductboardConnectorTests() =>
        _secrets.Setup(s => s.GetSecretAsync("pb-token", It.IsAny<CancellationToken>())).ReturnsAsync("token-1");

    public void Dispose()
    {
        _limits.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public void Describe_Always_TakesUserIdsInBatchesOf200WithNotes()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));

        // Act
        var capabilities = connector.Describe(Destination());

        // Assert
        Assert.Equal(200, capabilities.MaxBatchSize);
        Assert.Equal([KeyKind.UserId], capabilities.KeyKinds);
        Assert.Contains(capabilities.Notes, n => n.Contains("company", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_Add_PostsTheUserLinkedToTheCompanyWithTokenAndVersion()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => User(HttpStatusCode.Created, "u-1", Company));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("user-1", email: "jane@example.com")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(1, result.Requests);
        var (request, body) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://pb.test/users"), request.RequestUri);
        Assert.Equal("Bearer token-1", request.Headers.Authorization!.ToString());
        Assert.Equal("1", Assert.Single(request.Headers.GetValues("X-Version")));
        Assert.Equal("""{"data":{"externalId":"user-1","email":"jane@example.com","company":{"id":"c-1"}}}""", body);
    }

    [Fact]
    public async Task SendAsync_PartnerIdSetting_SendsTheHeader()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => User(HttpStatusCode.OK, "u-1", Company));

        // Act
        await connector.SendAsync(Destination(("partnerId", "cohortsync")), Request(Add("user-1")), CancellationToken.None);

        // Assert
        Assert.Equal("cohortsync", Assert.Single(stub.Requests[0].Request.Headers.GetValues("Productboard-Partner-Id")));
    }

    [Fact]
    public async Task SendAsync_SecondOfThreeAddsConflicts_RejectsItAtItsIndexAndSendsTheRest()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => i == 1
            ? StubHttpMessageHandler.Status(HttpStatusCode.Conflict, """{"errors":[{"code":"conflict","detail":"Provided email address does not match an existing email address associated with the user identified by the given external ID."}]}""")
            : User(HttpStatusCode.OK, "u", Company));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a"), Add("b", email: "b@example.com"), Add("c")), CancellationToken.None);

        // Assert
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(new MemberRejection(1, ProductboardResponses.EmailConflictReason), rejection);
        Assert.Equal(3, stub.Requests.Count);
        Assert.Equal(3, result.Requests);
    }

    [Fact]
    public async Task SendAsync_AddRefusedForAField_RejectsTheMember()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.BadRequest, """{"errors":[{"code":"validation.request.body.email","detail":"x@y is invalid","source":{"pointer":"/data/email"}}]}"""));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a", email: "x@y")), CancellationToken.None);

        // Assert
        Assert.Equal("productboard: email refused (HTTP 400 validation.request.body.email)", Assert.Single(result.Rejections).Reason);
    }

    [Fact]
    public async Task SendAsync_RequestRefusedForAHeader_FailsTheBatchInsteadOfRejectingMembers()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(
            HttpStatusCode.BadRequest, """{"errors":[{"code":"validation.request.headers","detail":"X-Version","source":{"parameter":"X-Version"}}]}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => connector.SendAsync(Destination(), Request(Add("a")), CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("validation.request.headers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_CompanyDeletedUnderTheSync_FailsTheBatch()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.NotFound, """{"errors":[{"code":"resource.notFound"}]}"""));

        // Act
        var error = await Assert.ThrowsAsync<DestinationRejectedException>(() => connector.SendAsync(Destination(), Request(Add("a")), CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task SendAsync_TransientStatusOnEveryTry_ThrowsRetryableAfterThreeTriesOfTheMember(HttpStatusCode status)
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => StubHttpMessageHandler.Status(status));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), Request(Add("a"), Add("b")), CancellationToken.None));

        // Assert
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_OneMemberFailsTransientlyTwice_TriesItAgainAndFinishesTheBatchWithoutResendingTheOthers()
    {
        // Arrange: requests 1 and 2 (the second member's first two tries) fail; everything else succeeds.
        var (connector, stub) = Create((_, _, i) => i is 1 or 2
            ? StubHttpMessageHandler.Status(HttpStatusCode.ServiceUnavailable)
            : User(HttpStatusCode.OK, "u", Company));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a"), Add("b"), Add("c")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(5, stub.Requests.Count);
        Assert.Equal(5, result.Requests);
    }

    [Fact]
    public async Task SendAsync_RemoveOfAUserLinkedToThisCohort_FindsItThenClearsTheLink()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => i == 0 ? User(HttpStatusCode.OK, "u-9", Company) : User(HttpStatusCode.OK, "u-9", null));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Remove("user-9", externalId: "crm-9")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Requests);
        Assert.Equal("""{"data":{"externalId":"crm-9"}}""", stub.Requests[0].Body);
        Assert.Equal(HttpMethod.Patch, stub.Requests[1].Request.Method);
        Assert.Equal(new Uri("https://pb.test/users/u-9"), stub.Requests[1].Request.RequestUri);
        Assert.Equal("""{"data":{"company":null}}""", stub.Requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_RemoveOfAUserNowInAnotherCohort_LeavesItsLink()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => User(HttpStatusCode.OK, "u-9", "another-company"));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Remove("user-9")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(1, result.Requests);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task SendAsync_RemoveOfAUserProductboardDoesNotKnow_DeletesTheUserTheLookupCreated()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => i == 0 ? User(HttpStatusCode.Created, "u-new", null) : StubHttpMessageHandler.Status(HttpStatusCode.NoContent));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Remove("user-9")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Requests);
        Assert.Equal(HttpMethod.Delete, stub.Requests[1].Request.Method);
        Assert.Equal(new Uri("https://pb.test/users/u-new"), stub.Requests[1].Request.RequestUri);
    }

    [Fact]
    public async Task SendAsync_TokenRotated_ReReadsTheSecretOnceAndRetries()
    {
        // Arrange
        _secrets.SetupSequence(s => s.GetSecretAsync("pb-token", It.IsAny<CancellationToken>())).ReturnsAsync("old").ReturnsAsync("new");
        var (connector, stub) = Create((r, _, _) => r.Headers.Authorization!.Parameter == "new"
            ? User(HttpStatusCode.OK, "u", Company)
            : StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, stub.Requests.Count);
        _secrets.Verify(s => s.Invalidate("pb-token"), Times.Once);
    }

    [Fact]
    public async Task EnsureContainerAsync_StoredCompanyWithTheSameName_ReturnsItAfterOneRead()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => CompanyResponse(HttpStatusCode.OK, Company, "[Amplitude] Trial"));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container("Trial", Company), CancellationToken.None);

        // Assert
        Assert.Equal(Company, id);
        var (request, _) = Assert.Single(stub.Requests);
        Assert.Equal(new Uri("https://pb.test/companies/c-1"), request.RequestUri);
    }

    [Fact]
    public async Task EnsureContainerAsync_CohortRenamed_RenamesTheStoredCompany()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => CompanyResponse(HttpStatusCode.OK, Company, i == 0 ? "[Amplitude] Trial" : "[Amplitude] Trial 2"));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container("Trial 2", Company), CancellationToken.None);

        // Assert
        Assert.Equal(Company, id);
        Assert.Equal(HttpMethod.Patch, stub.Requests[1].Request.Method);
        Assert.Equal("""{"data":{"name":"[Amplitude] Trial 2"}}""", stub.Requests[1].Body);
    }

    [Fact]
    public async Task EnsureContainerAsync_NoStoredCompany_FollowsNextLinksAndFindsItsOwnByExternalId()
    {
        // Arrange: a company with a similar name on page one, ours on page two.
        var (connector, stub) = Create((_, _, i) => i == 0
            ? StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"data":[{"id":"other","name":"[Amplitude] Trial","externalId":"someone-else"}],"links":{"next":"https://pb.test/companies?term=x&pageOffset=100"}}""")
            : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"data":[{"id":"mine","name":"[Amplitude] Trial","externalId":"cohortsync:s1"}],"links":{"next":null}}"""));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container("Trial", null), CancellationToken.None);

        // Assert
        Assert.Equal("mine", id);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal(new Uri("https://pb.test/companies?term=%5BAmplitude%5D%20Trial"), stub.Requests[0].Request.RequestUri);
        Assert.Equal(new Uri("https://pb.test/companies?term=x&pageOffset=100"), stub.Requests[1].Request.RequestUri);
    }

    [Fact]
    public async Task EnsureContainerAsync_StoredCompanyDeletedAndNoneFound_CreatesANewCompany()
    {
        // Arrange
        var (connector, stub) = Create((r, _, _) => r.Method == HttpMethod.Post
            ? CompanyResponse(HttpStatusCode.Created, "c-2", "[Amplitude] Trial")
            : r.RequestUri!.AbsolutePath == "/companies/c-1"
                ? StubHttpMessageHandler.Status(HttpStatusCode.NotFound)
                : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"data":[],"links":{"next":null}}"""));

        // Act
        var id = await connector.EnsureContainerAsync(Destination(), Container("Trial", Company), CancellationToken.None);

        // Assert
        Assert.Equal("c-2", id);
        Assert.Equal(3, stub.Requests.Count);
        Assert.StartsWith("""{"data":{"name":"[Amplitude] Trial","externalId":"cohortsync:s1",""", stub.Requests[2].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureContainerAsync_CompanyNamePrefixSetting_NamesTheCompanyWithIt()
    {
        // Arrange
        var (connector, stub) = Create((r, _, _) => r.Method == HttpMethod.Post
            ? CompanyResponse(HttpStatusCode.Created, "c-2", "Cohort: Trial")
            : StubHttpMessageHandler.Status(HttpStatusCode.OK, """{"data":[],"links":{"next":null}}"""));

        // Act
        await connector.EnsureContainerAsync(Destination(("companyNamePrefix", "Cohort: ")), Container("Trial", null), CancellationToken.None);

        // Assert
        Assert.StartsWith("""{"data":{"name":"Cohort: Trial",""", stub.Requests[1].Body, StringComparison.Ordinal);
    }

    private (ProductboardConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        var client = new HttpClient(stub);
        _clients.Add(client);
        return (new ProductboardConnector(client, _secrets.Object, _limits, TimeProvider.System), stub);
    }

    private static DestinationDefinition Destination(params (string Name, string Value)[] extra)
    {
        // A high request rate keeps the pacing out of these tests' way.
        var settings = new Dictionary<string, string> { ["baseUrl"] = "https://pb.test", ["requestsPerSecond"] = "100000" };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return new DestinationDefinition { Id = "pb", Name = "pb", Type = "productboard", Settings = settings, SecretName = "pb-token" };
    }

    private static ContainerRequest Container(string cohort, string? existing) => new("s1", cohort, existing, DateTimeOffset.UnixEpoch);

    private static SendRequest Request(params SnapshotChange[] changes) => new("s1", "s1-run", 0, Company, changes);

    private static SnapshotChange Add(string userId, string? email = null, string? externalId = null) => Change(ChangeKind.Add, userId, email, externalId);

    private static SnapshotChange Remove(string userId, string? email = null, string? externalId = null) => Change(ChangeKind.Remove, userId, email, externalId);

    private static SnapshotChange Change(ChangeKind kind, string userId, string? email, string? externalId)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (email is not null)
        {
            fields.Add(new("email", email));
        }

        if (externalId is not null)
        {
            fields.Add(new("externalId", externalId));
        }

        return new SnapshotChange(kind, SnapshotEntry.Create(new DestinationKey(KeyKind.UserId, userId).Encode(), MemberPayload.Encode(fields)));
    }

    private static HttpResponseMessage User(HttpStatusCode status, string id, string? companyId) => StubHttpMessageHandler.Status(
        status, companyId is null ? $$$"""{"data":{"id":"{{{id}}}","company":null}}""" : $$$"""{"data":{"id":"{{{id}}}","company":{"id":"{{{companyId}}}"}""" + "}}");

    private static HttpResponseMessage CompanyResponse(HttpStatusCode status, string id, string name) =>
        StubHttpMessageHandler.Status(status, $$$"""{"data":{"id":"{{{id}}}","name":"{{{name}}}","externalId":"cohortsync:s1"}}""");
}
