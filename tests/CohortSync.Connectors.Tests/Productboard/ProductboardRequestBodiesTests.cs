using System.Net;
using CohortSync.Connectors.Productboard;

namespace CohortSync.Connectors.Tests.Productboard;

/// <summary>
/// The exact requests of a batch, against the shapes public clients send to the v1 Companies &amp; Users API: a create is
/// <c>POST /users {"data":{"externalId","email"?,"company":{"id"}}}</c>, a lookup is <c>GET /users</c> (no body), an
/// update is <c>PATCH /users/{id} {"data":{"email"?,"company":{"id"}}}</c>, and an unlink is
/// <c>PATCH /users/{id} {"data":{"company":null}}</c>.
/// </summary>
public sealed class ProductboardRequestBodiesTests : ProductboardTestBase
{
    [Fact]
    public async Task SendAsync_NewExistingChangedAndLeavingMembers_SendsExactlyTheDocumentedShapes()
    {
        // Arrange: Productboard knows user-2 (u-2) and user-3 (u-3, under its carried external id crm-3) and user-4 (u-4).
        var (connector, stub) = Create((r, body, _) => (r.Method.Method, r.RequestUri!.AbsolutePath, body) switch
        {
            ("POST", "/users", { } b) when b.Contains("\"user-2\"", StringComparison.Ordinal) => Conflict("A user with the provided external ID already exists."),
            ("POST", "/users", _) => User(HttpStatusCode.Created, "u-1", "user-1"),
            ("GET", "/users", _) => Users(null, ("u-2", "user-2"), ("u-3", "crm-3"), ("u-4", "user-4")),
            _ => User(HttpStatusCode.OK, "u-x", "x"),
        });
        var request = Request(
            Add("user-1", email: "one@example.com"),
            Add("user-2"),
            Update("user-3", email: "three.new@example.com", externalId: "crm-3"),
            Remove("user-4", email: "four@example.com"));

        // Act
        var result = await connector.SendAsync(Destination(), request, CancellationToken.None);

        // Assert
        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                ("POST", "/users", """{"data":{"externalId":"user-1","email":"one@example.com","company":{"id":"c-1"}}}"""),
                ("POST", "/users", """{"data":{"externalId":"user-2","company":{"id":"c-1"}}}"""),
                ("GET", "/users", null),
                ("PATCH", "/users/u-2", """{"data":{"company":{"id":"c-1"}}}"""),
                ("PATCH", "/users/u-3", """{"data":{"email":"three.new@example.com","company":{"id":"c-1"}}}"""),
                ("PATCH", "/users/u-4", """{"data":{"company":null}}"""),
            ],
            stub.Requests.Select(r => (r.Request.Method.Method, r.Request.RequestUri!.AbsolutePath, r.Body)));
        Assert.Equal(6, result.Requests);
        Assert.Equal([0, 1, 2, 3], request.Delivery!.SettledIndexes());
    }

    [Fact]
    public void Payloads_CompanyCreateAndRename_AreDataWrapped()
    {
        // Act
        var create = System.Text.Encoding.UTF8.GetString(ProductboardPayloads.CreateCompany("[Amplitude] Trial", "cohortsync:s1"));
        var rename = System.Text.Encoding.UTF8.GetString(ProductboardPayloads.RenameCompany("[Amplitude] Trial 2"));

        // Assert
        Assert.Equal("""{"data":{"name":"[Amplitude] Trial","externalId":"cohortsync:s1","description":"Members of an Amplitude cohort, kept in step by CohortSync. Users linked here are the cohort."}}""", create);
        Assert.Equal("""{"data":{"name":"[Amplitude] Trial 2"}}""", rename);
    }
}
