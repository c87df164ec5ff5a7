using System.Net;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Productboard;

/// <summary>What a batch does: create, find and patch, refusals, failures, and what it records as settled.</summary>
public sealed class ProductboardConnectorTests : ProductboardTestBase
{
    private const string EmailTaken = "A user with the provided email address already exists.";
    private const string ExternalIdTaken = "A user with the provided external ID already exists.";

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
        Assert.Contains(capabilities.Notes, n => n.Contains("one sync", StringComparison.Ordinal));
    }

    [Fact]
    public void Exclusivity_SameHostAndSecretInTwoDestinations_IsOneScope()
    {
        // Arrange
        var (connector, _) = Create((_, _, _) => StubHttpMessageHandler.Status(HttpStatusCode.OK));
        var other = Destination() with { Id = "pb-2", Settings = new Dictionary<string, string> { ["baseUrl"] = "https://PB.test/" } };

        // Act
        var scopes = new[] { connector.Exclusivity(Destination())!.Scope, connector.Exclusivity(other)!.Scope, connector.Exclusivity(other with { SecretName = "pb-other" })!.Scope };

        // Assert
        Assert.Equal(scopes[0], scopes[1]);
        Assert.NotEqual(scopes[0], scopes[2]);
    }

    [Fact]
    public async Task SendAsync_AddOfANewUser_CreatesItInOneRequestAndSettlesIt()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => User(HttpStatusCode.Created, "u-1", "user-1"));
        var request = Request(Add("user-1", email: "jane@example.com"));

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(1, result.Requests);
        var (sent, _) = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal("Bearer token-1", sent.Headers.Authorization!.ToString());
        Assert.Equal("1", Assert.Single(sent.Headers.GetValues("X-Version")));
        Assert.Equal([0], request.Delivery!.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_AddOfAUserWhoExists_FindsItInTheListAndPatchesIt()
    {
        // Arrange: the create answers 409 (the external id is taken); the list has the user on its second page.
        var (connector, stub) = Create((_, _, i) => i switch
        {
            0 => Conflict(ExternalIdTaken),
            1 => Users("https://pb.test/users?pageOffset=100", ("u-0", "someone")),
            2 => Users(null, ("u-7", "user-7")),
            _ => User(HttpStatusCode.OK, "u-7", "user-7"),
        });

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("user-7", email: "new@example.com")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(4, result.Requests);
        Assert.Equal(new Uri("https://pb.test/users?pageOffset=100"), stub.Requests[2].Request.RequestUri);
        Assert.Equal(HttpMethod.Patch, stub.Requests[3].Request.Method);
        Assert.Equal(new Uri("https://pb.test/users/u-7"), stub.Requests[3].Request.RequestUri);
    }

    [Fact]
    public async Task SendAsync_EmailChanged_FindsTheUserAndPatchesTheNewEmailWithoutACreate()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => i == 0 ? Users(null, ("u-3", "user-3")) : User(HttpStatusCode.OK, "u-3", "user-3"));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Update("user-3", email: "changed@example.com")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal([HttpMethod.Get, HttpMethod.Patch], stub.Requests.Select(r => r.Request.Method));
        Assert.Equal("""{"data":{"email":"changed@example.com","company":{"id":"c-1"}}}""", stub.Requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_EmailChangedToOneAnotherUserHas_RejectsTheMemberWithAFixedReason()
    {
        // Arrange
        var (connector, _) = Create((_, _, i) => i == 0 ? Users(null, ("u-3", "user-3")) : Conflict(EmailTaken));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Update("user-3", email: "someone@example.com")), CancellationToken.None);

        // Assert
        Assert.Equal(new MemberRejection(0, ProductboardResponses.EmailTakenReason), Assert.Single(result.Rejections));
    }

    [Fact]
    public async Task SendAsync_AddWhoseEmailIsAnotherUsers_RejectsItAndSendsTheRest()
    {
        // Arrange: the second add's create is a 409 on the email, and no user has its external id.
        var (connector, stub) = Create((r, body, _) => r.Method == HttpMethod.Get
            ? Users(null)
            : body!.Contains("\"b\"", StringComparison.Ordinal) ? Conflict(EmailTaken) : User(HttpStatusCode.Created, "u", "x"));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a"), Add("b", email: "b@example.com"), Add("c")), CancellationToken.None);

        // Assert
        Assert.Equal(new MemberRejection(1, ProductboardResponses.EmailTakenReason), Assert.Single(result.Rejections));
        Assert.Equal(4, stub.Requests.Count);
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

    [Fact]
    public async Task SendAsync_TransientFailureAfterTheFirstMember_ThrowsOnceAndLeavesOnlyTheFirstSettled()
    {
        // Arrange: no per-member retry in the connector: the resilience handler retries, then the engine sends the rest.
        var (connector, stub) = Create((_, _, i) => i == 0 ? User(HttpStatusCode.Created, "u-a", "a") : StubHttpMessageHandler.Status(HttpStatusCode.ServiceUnavailable));
        var request = Request(Add("a"), Add("b"), Add("c"));

        // Act
        var error = await Assert.ThrowsAsync<RetryableDestinationException>(() => connector.SendAsync(Destination(), request, CancellationToken.None));

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal([0], request.Delivery!.SettledIndexes());
    }

    [Fact]
    public async Task SendAsync_RemoveOfAKnownUser_FindsItThenClearsTheLink()
    {
        // Arrange
        var (connector, stub) = Create((_, _, i) => i == 0 ? Users(null, ("u-9", "crm-9")) : User(HttpStatusCode.OK, "u-9", "crm-9"));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Remove("user-9", externalId: "crm-9")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, result.Requests);
        Assert.Equal(new Uri("https://pb.test/users/u-9"), stub.Requests[1].Request.RequestUri);
        Assert.Equal("""{"data":{"company":null}}""", stub.Requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_RemovesOfUsersProductboardDoesNotKnow_AreAcceptedAfterOneReadOfTheList()
    {
        // Arrange
        var (connector, stub) = Create((_, _, _) => Users(null, ("u-1", "someone")));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Remove("user-8"), Remove("user-9")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(HttpMethod.Get, Assert.Single(stub.Requests).Request.Method);
    }

    [Fact]
    public async Task SendAsync_TokenRotated_ReReadsTheSecretOnceAndRetries()
    {
        // Arrange
        Secrets.SetupSequence(s => s.GetSecretAsync("pb-token", It.IsAny<CancellationToken>())).ReturnsAsync("old").ReturnsAsync("new");
        var (connector, stub) = Create((r, _, _) => r.Headers.Authorization!.Parameter == "new"
            ? User(HttpStatusCode.Created, "u", "a")
            : StubHttpMessageHandler.Status(HttpStatusCode.Unauthorized));

        // Act
        var result = await connector.SendAsync(Destination(), Request(Add("a")), CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(2, stub.Requests.Count);
        Secrets.Verify(s => s.Invalidate("pb-token"), Times.Once);
    }
}
