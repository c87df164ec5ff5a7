using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CohortSync.Api;
using CohortSync.LocalHostTesting;
using CohortSync.Sandbox;
using CohortSync.TestHelpers;
using Microsoft.Playwright;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CohortSync.BrowserTests;

/// <summary>
/// The local host (<c>cohortsync serve</c>'s web app) on a free port over Azurite, with the sandbox's webhook receiver as
/// the destination, seeded through the API with real runs: a sync with three completed runs (members the receiver refuses,
/// members without a user id, changed emails), and a guarded sync whose second run the guardrail holds. Chromium is
/// started once, when it is installed.
/// </summary>
public sealed class StatusPageFixture(IMessageSink diagnostics) : IAsyncLifetime, IDisposable
{
    /// <summary>The API key of the host.</summary>
    public const string ApiKey = LocalHostUnderTest.ApiKey;

    /// <summary>The webhook's signing key: it must never reach the page.</summary>
    public const string Secret = "webhook-signing-key-never-shown";

    /// <summary>The sync with three runs.</summary>
    public const string TrialSync = "trial-no-invite";

    /// <summary>The sync whose second run waits for approval.</summary>
    public const string HeldSync = "churn-risk";

    private readonly AzuriteFixture _azurite = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("cohortsync-page-").FullName;
    private LocalHostUnderTest _host = null!;
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _screenshots = [];
    private IPlaywright? _playwright;

    /// <summary>The host's address (ends with a slash).</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>A client with the key.</summary>
    public HttpClient Client => _host.Client;

    /// <summary>A client without it.</summary>
    public HttpClient Anonymous => _host.Anonymous;

    /// <summary>The sandbox (its webhook receiver is the destination).</summary>
    public SandboxHost Sandbox { get; private set; } = null!;

    /// <summary>The held run of <see cref="HeldSync"/>.</summary>
    public string HeldRunId { get; private set; } = null!;

    /// <summary>Chromium, or null when it is not installed.</summary>
    public IBrowser? Browser { get; private set; }

    /// <summary>Where screenshots go: COHORTSYNC_TEST_RESULTS if set, else the test's output folder; a status-page folder in it.</summary>
    public static string ScreenshotDirectory()
    {
        var root = Environment.GetEnvironmentVariable("COHORTSYNC_TEST_RESULTS") is { Length: > 0 } results ? results : AppContext.BaseDirectory;
        return Directory.CreateDirectory(Path.Combine(root, "status-page")).FullName;
    }

    public async Task InitializeAsync()
    {
        Sandbox = await SandboxHost.StartAsync();
        Sandbox.Webhook.Secret = Secret;
        _host = await LocalHostUnderTest.StartAsync(_azurite.ConnectionString, AzuriteFixture.NewTablePrefix());

        await SeedAsync();

        if (ChromiumFactAttribute.IsInstalled)
        {
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumFactAttribute.ExecutablePath, Headless = true });
        }
    }

    public async Task DisposeAsync()
    {
        // The screenshots' paths, where `dotnet test` shows them (xunit.runner.json turns diagnostic messages on).
        var shots = _screenshots.Order(StringComparer.Ordinal).ToList();
        diagnostics.OnMessage(new DiagnosticMessage(shots.Count == 0
            ? "status page screenshots: none (no browser test ran)"
            : "status page screenshots:" + string.Concat(shots.Select(s => Environment.NewLine + "  " + s))));
        if (!ChromiumFactAttribute.IsInstalled)
        {
            diagnostics.OnMessage(new DiagnosticMessage($"SKIPPED the status page's browser tests: no Chromium at {ChromiumFactAttribute.ExecutablePath}"));
        }

        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await _host.DisposeAsync();
        await Sandbox.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Stops the private Azurite, if this fixture started one (xunit calls this after <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => _azurite.Dispose();

    /// <summary>Notes a screenshot written, to list at the end.</summary>
    public void AddScreenshot(string path) => _screenshots.Add(path);

    /// <summary>GET a JSON answer of the API.</summary>
    public Task<JsonElement> GetJsonAsync(string path) => _host.GetJsonAsync(path);

    /// <summary>Polls a run (a condition, not a sleep) until its status is one of <paramref name="statuses"/>; fails at once on another final one.</summary>
    public Task<JsonElement> WaitForRunAsync(string runId, params string[] statuses) => _host.WaitForRunAsync(runId, statuses);

    private async Task SeedAsync()
    {
        await PostAsync("api/destinations", new
        {
            id = "crm-hook",
            name = "CRM webhook",
            type = "webhook",
            settings = new Dictionary<string, string> { ["url"] = new Uri(Sandbox.BaseAddress, "webhook").ToString() },
            secretName = "crm-hook-key",
            secret = Secret,
        });

        // Three runs: members the receiver refuses (their id has its reject marker), members without a user id
        // (unmatched), members who leave and join, and emails that change.
        var trial = Path.Combine(_dir, "trial.csv");
        await PostAsync("api/syncs", Sync(TrialSync, "Trial, no invite", trial, "daily", guardrail: null));
        WriteCohort(trial, Enumerable.Range(0, 240), rejected: 3, unmatched: 6, emailVersion: 1);
        await RunAsync(TrialSync, "CompletedWithRejections");
        WriteCohort(trial, Enumerable.Range(20, 240), rejected: 3, unmatched: 4, emailVersion: 1, changedEmails: 30);
        await RunAsync(TrialSync, "CompletedWithRejections");
        WriteCohort(trial, Enumerable.Range(50, 250), rejected: 1, unmatched: 9, emailVersion: 2);
        await RunAsync(TrialSync, "CompletedWithRejections");

        // A guarded sync: 200 members, then a cohort of 100 removes half the baseline, past its 20% guardrail.
        var churn = Path.Combine(_dir, "churn.csv");
        await PostAsync("api/syncs", Sync(HeldSync, "Churn risk", churn, "manual", guardrail: new { enabled = true, maxRemovalFraction = 0.2, minBaseline = 100 }));
        WriteCohort(churn, Enumerable.Range(1000, 200), rejected: 0, unmatched: 0, emailVersion: 1);
        await RunAsync(HeldSync, "Completed");
        WriteCohort(churn, Enumerable.Range(1000, 100), rejected: 0, unmatched: 0, emailVersion: 1);
        HeldRunId = await RunAsync(HeldSync, "AwaitingApproval");
    }

    private static object Sync(string id, string name, string path, string cadence, object? guardrail) => new
    {
        id,
        name,
        destinationId = "crm-hook",
        source = new { type = "file", location = path, cohortName = name },
        cadence,
        identifiers = new[] { new { sourceField = "user_id", kind = "UserId" } },
        carry = new[] { new { sourceField = "email", name = "email" } },
        guardrail,
        batchSize = 50,
    };

    private static void WriteCohort(string path, IEnumerable<int> ids, int rejected, int unmatched, int emailVersion, int changedEmails = 0)
    {
        var text = new StringBuilder("user_id,email\n");
        var index = 0;
        foreach (var id in ids)
        {
            var version = index++ < changedEmails ? emailVersion + 1 : emailVersion;
            text.Append(CultureInfo.InvariantCulture, $"user-{id},u{id}.v{version}@example.com\n");
        }

        for (var i = 0; i < rejected; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"user-reject-me-{i},r{i}@example.com\n");
        }

        for (var i = 0; i < unmatched; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $",anon{i}@example.com\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    private async Task PostAsync(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(path, body, ApiJson.Options);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<string> RunAsync(string syncId, string status)
    {
        using var started = await Client.PostAsync(new Uri($"api/syncs/{syncId}/runs", UriKind.Relative), null);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        await WaitForRunAsync(runId, status);
        return runId;
    }
}
