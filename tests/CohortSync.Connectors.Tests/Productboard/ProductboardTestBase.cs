using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Productboard;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Productboard;

/// <summary>A connector on a stub handler, and the requests and answers Productboard's tests build.</summary>
public abstract class ProductboardTestBase : IDisposable
{
    /// <summary>The cohort's company id in these tests.</summary>
    protected const string Company = "c-1";

    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly List<HttpClient> _clients = [];

    /// <summary>Sets up the token.</summary>
    protected ProductboardTestBase() =>
        Secrets.Setup(s => s.GetSecretAsync("pb-token", It.IsAny<CancellationToken>())).ReturnsAsync("token-1");

    /// <summary>The secret store.</summary>
    protected Mock<ISecretStore> Secrets { get; } = new();

    /// <inheritdoc/>
    public void Dispose()
    {
        _limits.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A connector whose requests the stub answers.</summary>
    protected (ProductboardConnector Connector, StubHttpMessageHandler Stub) Create(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond)
    {
        var stub = new StubHttpMessageHandler(respond);
        var client = new HttpClient(stub);
        _clients.Add(client);
        return (new ProductboardConnector(client, Secrets.Object, _limits, TimeProvider.System), stub);
    }

    /// <summary>The destination, on <c>https://pb.test</c>.</summary>
    protected static DestinationDefinition Destination(params (string Name, string Value)[] extra)
    {
        // A high request rate keeps the pacing out of these tests' way.
        var settings = new Dictionary<string, string> { ["baseUrl"] = "https://pb.test", ["requestsPerSecond"] = "100000" };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return new DestinationDefinition { Id = "pb", Name = "pb", Type = "productboard", Settings = settings, SecretName = "pb-token" };
    }

    /// <summary>A batch of changes for the company.</summary>
    protected static SendRequest Request(params SnapshotChange[] changes) => new("s1", "s1-run", 0, Company, changes, Delivery: new DeliveryLog());

    /// <summary>An add.</summary>
    protected static SnapshotChange Add(string userId, string? email = null, string? externalId = null) => Change(ChangeKind.Add, userId, email, externalId);

    /// <summary>An update (a carried field changed).</summary>
    protected static SnapshotChange Update(string userId, string? email = null, string? externalId = null) => Change(ChangeKind.Update, userId, email, externalId);

    /// <summary>A remove (with the fields it was added with).</summary>
    protected static SnapshotChange Remove(string userId, string? email = null, string? externalId = null) => Change(ChangeKind.Remove, userId, email, externalId);

    /// <summary>A user answer in the public schema (no company).</summary>
    protected static HttpResponseMessage User(HttpStatusCode status, string id, string? externalId = null) =>
        StubHttpMessageHandler.Status(status, $$$"""{"data":{"id":"{{{id}}}","email":null,"externalId":{{{Json(externalId)}}},"name":null}}""");

    /// <summary>A page of <c>GET /users</c>: (id, external id) pairs and the next link.</summary>
    protected static HttpResponseMessage Users(string? next, params (string Id, string ExternalId)[] users) => StubHttpMessageHandler.Status(
        HttpStatusCode.OK,
        "{\"data\":[" + string.Join(',', users.Select(u => $$$"""{"id":"{{{u.Id}}}","email":null,"externalId":"{{{u.ExternalId}}}","name":null}""")) + "],\"links\":{\"next\":" + Json(next) + "}}");

    /// <summary>A 409 with a detail.</summary>
    protected static HttpResponseMessage Conflict(string detail) =>
        StubHttpMessageHandler.Status(HttpStatusCode.Conflict, $$$"""{"errors":[{"code":"conflict","title":"Conflict","detail":"{{{detail}}}"}]}""");

    /// <summary>A company answer.</summary>
    protected static HttpResponseMessage CompanyResponse(HttpStatusCode status, string id, string name) =>
        StubHttpMessageHandler.Status(status, $$$"""{"data":{"id":"{{{id}}}","name":"{{{name}}}","externalId":"cohortsync:s1"}}""");

    private static string Json(string? value) => value is null ? "null" : "\"" + value + "\"";

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
}
