using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.IntegrationTests.Connectors.Pushwoosh;

/// <summary>A Pushwoosh sandbox on real HTTP, with the bodies the sandbox contract tests send.</summary>
public abstract class PushwooshSandboxTestBase : IAsyncLifetime, IDisposable
{
    protected const string App = PushwooshSandbox.DefaultApplication;
    protected const string Tag = PushwooshSandbox.DefaultTag;
    private SandboxHost _sandbox = null!;
    private HttpClient _http = null!;

    protected HttpClient Http => _http;

    protected PushwooshSandbox Pushwoosh => _sandbox.Get<PushwooshSandbox>();

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHost.StartAsync();
        _http = new HttpClient { BaseAddress = _sandbox.BaseAddress };
        Pushwoosh.AddTag(Tag, 3);
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        GC.SuppressFinalize(this);
    }

    protected async Task SendAndWaitAsync(JsonObject body)
    {
        using var response = await _http.PostAsync(new Uri("api/v2/audience/bulkSetTags", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Pushwoosh.WhenIdleAsync();
    }

    protected static JsonObject Bulk(string token, IEnumerable<string> users, string listOperator, string value = "Trial") => new()
    {
        ["application"] = App,
        ["auth"] = token,
        ["devices"] = new JsonArray(users.Select(u => (JsonNode)new JsonObject
        {
            ["user_id"] = u,
            ["list_operator"] = listOperator,
            ["tags"] = new JsonObject { [Tag] = new JsonArray(value) },
        }).ToArray()),
    };

    protected static JsonObject ListTags() => new() { ["request"] = new JsonObject { ["auth"] = PushwooshSandbox.DefaultServerToken } };

    protected static HttpRequestMessage SetTags(string headerToken, string? hwid = null, string? userId = null)
    {
        var request = new JsonObject
        {
            ["application"] = App,
            ["tags"] = new JsonObject { [Tag] = new JsonObject { ["operation"] = "append", ["value"] = new JsonArray("Trial") } },
        };
        if (hwid is not null)
        {
            request["hwid"] = hwid;
        }

        if (userId is not null)
        {
            request["userId"] = userId;
        }

        var body = new JsonObject { ["request"] = request };
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri("json/1.3/setTags", UriKind.Relative)) { Content = Json(body) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Token", headerToken);
        return message;
    }

    protected static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    protected static IEnumerable<string> Users(int start, int count) => Enumerable.Range(start, count).Select(i => $"u{i}@example.com");
}
