using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Sandbox;
using CohortSync.Sandbox.Iterable;

namespace CohortSync.IntegrationTests.Connectors.Iterable;

/// <summary>
/// What the raw-HTTP tests of the Iterable sandbox share: one sandbox host per class (<see cref="SandboxFixture"/>), its
/// Iterable module reset before each test, and a client on its US host.
/// </summary>
public abstract class IterableSandboxTestBase(SandboxFixture fixture) : IClassFixture<SandboxFixture>, IAsyncLifetime, IDisposable
{
    private SandboxHost _sandbox = null!;

    /// <summary>A client on <c>/iterable/us/</c>.</summary>
    protected HttpClient Http { get; private set; } = null!;

    /// <summary>The sandbox's address.</summary>
    protected Uri BaseAddress => _sandbox.BaseAddress;

    /// <summary>The Iterable sandbox.</summary>
    protected IterableSandbox Iterable => _sandbox.Get<IterableSandbox>();

    /// <inheritdoc/>
    public Task InitializeAsync()
    {
        // Every project, list, user, counter, limit and fault back to the defaults (list ids keep counting up).
        _sandbox = fixture.Host;
        _sandbox.Get<IterableSandbox>().Reset();
        Http = new HttpClient { BaseAddress = new Uri(_sandbox.BaseAddress, "iterable/us/") };
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task DisposeAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
        Http?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Sends a request with the default key (or <paramref name="key"/>, none when null) and an optional JSON body.</summary>
    protected async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, string? key = IterableSandbox.DefaultApiKey)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("Api-Key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Iterable's error envelope: code and msg.</summary>
    protected static async Task<(string? Code, string? Message)> EnvelopeAsync(HttpResponseMessage response)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("code").GetString(), json.GetProperty("msg").GetString());
    }

    /// <summary>A string array property.</summary>
    protected static List<string?> Strings(JsonElement element, string name) =>
        element.GetProperty(name).EnumerateArray().Select(e => e.GetString()).ToList();
}
