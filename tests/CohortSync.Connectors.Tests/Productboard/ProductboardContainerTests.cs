using System.Net;
using CohortSync.Core.Ports;
using CohortSync.TestHelpers;

namespace CohortSync.Connectors.Tests.Productboard;

/// <summary>The cohort's company: found, renamed, searched for, created.</summary>
public sealed class ProductboardContainerTests : ProductboardTestBase
{
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

    private static ContainerRequest Container(string cohort, string? existing) => new("s1", cohort, existing, DateTimeOffset.UnixEpoch);
}
