using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.Connectors.Pushwoosh;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using CohortSync.TestHelpers;
using Moq;

namespace CohortSync.Connectors.Tests.Pushwoosh;

/// <summary>A connector on a scripted vendor, with the destination, changes and requests the Pushwoosh tests build.</summary>
public sealed class PushwooshFixture : IDisposable
{
    public const string Application = "ABCDE-12345";

    private readonly Mock<ISecretStore> _secrets = new();
    private readonly RateLimitRegistry _limits = new(TimeProvider.System);
    private readonly List<HttpClient> _clients = [];

    public PushwooshFixture() =>
        _secrets.Setup(s => s.GetSecretAsync("pw-server", It.IsAny<CancellationToken>())).ReturnsAsync("server-token");

    public void Dispose()
    {
        _limits.Dispose();
        _clients.ForEach(c => c.Dispose());
    }

    public PushwooshConnector Connector(StubHttpMessageHandler stub)
    {
        var client = new HttpClient(stub);
        _clients.Add(client);
        return new PushwooshConnector(client, _secrets.Object, _limits, TimeProvider.System);
    }

    public static DestinationDefinition Destination(params (string Name, string Value)[] extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["baseUrl"] = "http://pushwoosh.test",
            ["applicationCode"] = Application,
            ["statusPollDelayMs"] = "1",
            ["requestsPerSecond"] = "10000",
        };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return new DestinationDefinition { Id = "pw", Name = "Pushwoosh", Type = "pushwoosh", Settings = settings, SecretName = "pw-server" };
    }

    public static SnapshotChange Change(ChangeKind kind, string value, KeyKind keyKind = KeyKind.Email) =>
        new(kind, SnapshotEntry.Create(new DestinationKey(keyKind, value).Encode(), null));

    public static IEnumerable<SnapshotChange> Adds(int count) => Enumerable.Range(0, count).Select(i => Change(ChangeKind.Add, $"u{i}@example.com"));

    public static SendRequest Request(IEnumerable<SnapshotChange> changes, DeliveryLog? delivery = null) =>
        new("s1", "r1", 0, "Trial users", changes.ToList(), Delivery: delivery);

    public static HttpResponseMessage Json(string json) => StubHttpMessageHandler.Status(HttpStatusCode.OK, json);

    // A scripted vendor: bulkSetTags gives request ids req-1, req-2, ...; status reads walk through the given states and
    // answer with the given detail; listTags lists the given tags (and tagsAfterAdd once addTag was called).
    public static StubHttpMessageHandler Vendor(string[]? statuses = null, string detail = "", string tags = "[]", string? tagsAfterAdd = null)
    {
        var polls = 0;
        var jobs = 0;
        var added = false;
        return new StubHttpMessageHandler((request, _, _) =>
        {
            switch (request.RequestUri!.AbsolutePath)
            {
                case "/api/v2/audience/bulkSetTags":
                    return Json($$"""{"request_id":"req-{{++jobs}}","status":"Pending"}""");
                case "/json/1.3/addTag":
                    added = true;
                    return Json("""{"status_code":200,"status_message":"OK","response":{"result":true}}""");
                case "/json/1.3/listTags":
                    return Json($$$"""{"status_code":200,"status_message":"OK","response":{"tags":{{{(added && tagsAfterAdd is not null ? tagsAfterAdd : tags)}}}}}""");
                default:
                    var status = (statuses ?? ["Completed"])[Math.Min(polls++, (statuses?.Length ?? 1) - 1)];
                    return Json($$"""{"request_id":"req-1","status":"{{status}}"{{detail}}}""");
            }
        });
    }
}
