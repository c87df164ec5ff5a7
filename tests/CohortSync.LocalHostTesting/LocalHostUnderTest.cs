using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Api;
using CohortSync.Core.Runs;
using CohortSync.LocalHost.Web;
using CohortSync.Sandbox;
using CohortSync.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CohortSync.LocalHostTesting;

/// <summary>The LocalHost web app on a free port, on Azurite, with the sandbox beside it; callers speak real HTTP.</summary>
public sealed class LocalHostUnderTest : IAsyncDisposable
{
    /// <summary>The host's API key.</summary>
    public const string ApiKey = "test-api-key-0123456789";
    private readonly WebApplication _app;

    private LocalHostUnderTest(WebApplication app, Uri baseAddress)
    {
        _app = app;
        Client = new HttpClient { BaseAddress = baseAddress };
        Client.DefaultRequestHeaders.Add("x-functions-key", ApiKey);
        Anonymous = new HttpClient { BaseAddress = baseAddress };
    }

    /// <summary>A client that sends the API key.</summary>
    public HttpClient Client { get; }

    /// <summary>A client that sends no key.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>The host's address (ends with a slash).</summary>
    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the host on a free loopback port over <paramref name="storage"/>, its tables under <paramref name="prefix"/>.</summary>
    public static async Task<LocalHostUnderTest> StartAsync(string storage, string prefix)
    {
        var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = storage,
            ["Storage:TablePrefix"] = prefix,
            ["Api:Key"] = ApiKey,
            ["SchedulerTimer"] = "off",
            ["Runner:BaseDelay"] = "00:00:00.020",
            ["Runner:MaxDelay"] = "00:00:00.200",
            ["Runner:MaxRetryAttempts"] = "2",
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LocalHostUnderTest(app, new Uri(address + "/"));
    }

    /// <summary>GETs a JSON answer of the API, which must succeed.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ApiJson.Options))!;
    }

    /// <summary>
    /// Polls a run until its status is one of <paramref name="statuses"/> (a condition, not a sleep); fails at once if the
    /// run ends with another status.
    /// </summary>
    public async Task<JsonElement> WaitForRunAsync(string runId, params string[] statuses)
    {
        static string? Status(JsonElement view) => view.GetProperty("run").GetProperty("status").GetString();
        return await Eventually.UntilAsync(
            async () =>
            {
                var view = await GetJsonAsync("api/runs/" + runId);
                var status = Status(view);
                if (!statuses.Contains(status) && Enum.Parse<RunStatus>(status!).IsTerminal())
                {
                    throw new InvalidOperationException($"run {runId} ended {status}, not {string.Join(" or ", statuses)}: {view}");
                }

                return view;
            },
            view => statuses.Contains(Status(view)),
            TimeSpan.FromSeconds(60),
            $"run {runId} to be {string.Join(" or ", statuses)}",
            view => view.ToString());
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The API body of a webhook destination posting to the sandbox's receiver.</summary>
    public static object WebhookDestination(string id, SandboxHost sandbox, string? secret) => new
    {
        id,
        name = "Sandbox webhook",
        type = "webhook",
        settings = new Dictionary<string, string> { ["url"] = new Uri(sandbox.BaseAddress, "webhook").ToString() },
        secretName = id + "-key",
        secret,
    };

    /// <summary>The API body of a manual sync of a cohort file.</summary>
    public static object FileSync(string id, string destinationId, string path) => new
    {
        id,
        name = "Sync " + id,
        destinationId,
        source = new { type = "file", location = path, cohortName = "Trial, no invite" },
        cadence = "manual",
        identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
        carry = new[] { new { sourceField = "email", name = "email" } },
    };
}
