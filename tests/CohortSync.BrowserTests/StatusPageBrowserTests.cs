using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace CohortSync.BrowserTests;

/// <summary>
/// The status page in headless Chromium against the seeded local host: the list, a sync's charts against the API's numbers,
/// a dry run started from the page, and a held run approved from it. Each page's screenshot is written under the test
/// results (<see cref="StatusPageFixture.ScreenshotDirectory"/>) and its path printed.
/// </summary>
[Collection(StatusPageCollection.Name)]
public sealed partial class StatusPageBrowserTests(StatusPageFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        if (fixture.Browser is null)
        {
            return;
        }

        _context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        _context.SetDefaultTimeout(15_000);
        SetDefaultExpectTimeout(15_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task StatusPage_List_AsksForTheKeyThenShowsEverySyncAsTheApiDoes()
    {
        // Arrange
        var overview = await fixture.GetJsonAsync("api/overview");

        // Act: the page asks for the key (a wrong one is refused), then lists the syncs.
        await _page.GotoAsync("api/status");
        await Expect(_page.GetByLabel("API key")).ToBeFocusedAsync();
        await AssertAccessibleAsync("the key form");
        await _page.GetByLabel("API key").FillAsync("not-the-key");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Open the status page" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("refused");
        await _page.GetByLabel("API key").FillAsync(StatusPageFixture.ApiKey);
        await _page.GetByLabel("API key").PressAsync("Enter");
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Syncs", Exact = true })).ToBeVisibleAsync();
        var stored = await _page.EvaluateAsync<string?>("() => sessionStorage.getItem('cohortsync.apiKey')");
        var local = await _page.EvaluateAsync<int>("() => localStorage.length");
        await ScreenshotAsync("list");
        await AssertAccessibleAsync("the list");

        // Assert: a row per sync with what the API says of it.
        var rows = _page.Locator("#syncs tbody tr");
        await Expect(rows).ToHaveCountAsync(overview.GetArrayLength());
        foreach (var sync in overview.EnumerateArray())
        {
            var row = _page.Locator($"#syncs tr[data-sync-id='{sync.GetProperty("syncId").GetString()}']");
            await Expect(row.Locator("td").First).ToContainTextAsync(sync.GetProperty("name").GetString()!);
            await Expect(row.Locator("td").Nth(1)).ToContainTextAsync(sync.GetProperty("destinationName").GetString()!);
            await Expect(row.Locator("[data-cadence]")).ToHaveAttributeAsync("data-cadence", sync.GetProperty("cadence").GetString()!);
            await Expect(row.Locator("[data-last-run] .badge").First).ToHaveAttributeAsync("data-status", sync.GetProperty("lastRun").GetProperty("status").GetString()!);
            await Expect(row.Locator("[data-baseline]")).ToHaveAttributeAsync("data-baseline", sync.GetProperty("baselineSize").GetInt32().ToString(CultureInfo.InvariantCulture));
            await Expect(row.Locator("[data-next-due]")).ToHaveAttributeAsync("data-next-due", sync.TryGetProperty("nextDue", out var due) ? due.GetString()! : string.Empty);
            var underWay = row.GetByRole(AriaRole.Link, new() { Name = "run under way" });
            if (sync.TryGetProperty("activeRunId", out var active))
            {
                await Expect(underWay).ToHaveAttributeAsync("href", new Regex("/api/status/runs/" + Regex.Escape(active.GetString()!) + "$"));
            }
            else
            {
                await Expect(underWay).ToHaveCountAsync(0);
            }
        }

        var trial = _page.Locator($"#syncs tr[data-sync-id='{StatusPageFixture.TrialSync}']");
        await Expect(trial.Locator("[data-next-due] time")).ToBeVisibleAsync();
        Assert.Equal(StatusPageFixture.ApiKey, stored);
        Assert.Equal(0, local);
        await AssertNothingPrivateAsync();

        // At a phone's width the table turns into cards: nothing scrolls sideways.
        await _page.SetViewportSizeAsync(390, 844);
        await _page.ReloadAsync();
        await Expect(rows).ToHaveCountAsync(overview.GetArrayLength());
        var overflow = await _page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the list scrolls sideways by {overflow} px at 390 px");
        await ScreenshotAsync("list-phone");
        await AssertAccessibleAsync("the list at a phone's width");
    }

    [ChromiumFact]
    public async Task StatusPage_SyncCharts_PlotTheApiNumbersOfEveryRun()
    {
        // Arrange: the API's runs, oldest first, those that made a plan and are not dry runs (what the charts show).
        var runs = (await fixture.GetJsonAsync($"api/syncs/{StatusPageFixture.TrialSync}/runs")).EnumerateArray().ToList();
        var charted = runs.Where(r => r.TryGetProperty("plan", out _) && r.GetProperty("mode").GetString() != "DryRun").Reverse().ToList();
        var latest = charted[^1];

        // Act
        await SignInAsync($"api/status/syncs/{StatusPageFixture.TrialSync}");
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Runs over time" })).ToBeVisibleAsync();
        await ScreenshotAsync("sync");
        await AssertAccessibleAsync("a sync's page");

        // Assert: each chart has one mark per run, in order, with the API's count (or rate).
        Assert.True(charted.Count >= 3, $"expected the seeded runs, got {charted.Count}");
        var expected = new Dictionary<string, Func<JsonElement, int>>
        {
            ["added"] = r => Plan(r, "adds"),
            ["removed"] = r => Plan(r, "removes"),
            ["updated"] = r => Plan(r, "updates"),
            ["unmatched"] = r => Plan(r, "unmatched"),
            ["rejected"] = r => Outcome(r, "rejected"),
            ["failed"] = r => Outcome(r, "failed"),
        };
        foreach (var (metric, count) in expected)
        {
            var marks = await MarksAsync($"svg[data-chart='{metric}'] rect[data-metric='{metric}']");
            Assert.Equal(charted.Select(r => (r.GetProperty("runId").GetString()!, count(r).ToString(CultureInfo.InvariantCulture))), marks.Select(m => (m.RunId, m.Value)));
        }

        var points = await _page.Locator("svg[data-chart='matchRate'] circle[data-metric='matchRate']").EvaluateAllAsync<string[][]>(
            "els => els.map(e => [e.dataset.runId, e.dataset.matched, e.dataset.members, e.dataset.value])");
        Assert.Equal(
            charted.Select(r => (r.GetProperty("runId").GetString()!, Plan(r, "members") - Plan(r, "unmatched"), Plan(r, "members"))),
            points.Select(p => (p[0], int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture))));
        foreach (var (point, run) in points.Zip(charted))
        {
            var rate = (double)(Plan(run, "members") - Plan(run, "unmatched")) / Plan(run, "members");
            Assert.Equal(rate, double.Parse(point[3], CultureInfo.InvariantCulture), 9);
        }

        Assert.Contains(charted, r => Outcome(r, "rejected") > 0);
        Assert.Contains(charted, r => Plan(r, "updates") > 0);
        var reasons = await _page.Locator("table[data-reasons='rejected'] tbody tr[data-reason]").EvaluateAllAsync<string[][]>("els => els.map(e => [e.dataset.reason, e.dataset.count])");
        var apiReasons = latest.GetProperty("outcome").GetProperty("rejectReasons").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32().ToString(CultureInfo.InvariantCulture))).Order().ToList();
        Assert.NotEmpty(apiReasons);
        Assert.Equal(apiReasons, reasons.Select(r => (r[0], r[1])).Order());
        var skipped = await _page.Locator("table[data-reasons='unmatched'] tbody tr[data-reason]").EvaluateAllAsync<string[][]>("els => els.map(e => [e.dataset.reason, e.dataset.count])");
        Assert.Equal(
            latest.GetProperty("plan").GetProperty("skipReasons").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32().ToString(CultureInfo.InvariantCulture))).Order(),
            skipped.Select(r => (r[0], r[1])).Order());
        await Expect(_page.Locator("#runs tbody tr")).ToHaveCountAsync(runs.Count);
        await AssertNothingPrivateAsync();
    }

    [ChromiumFact]
    public async Task StatusPage_DryRunButton_StartsARunWhosePageFollowsItToTheEnd()
    {
        // Arrange
        await SignInAsync($"api/status/syncs/{StatusPageFixture.TrialSync}");

        // Act: the button starts a dry run through the API and opens its page, which polls until the run ends.
        await _page.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        // The page moves on once the API has started the run: on a fresh task hub the engine's first start can take seconds.
        await _page.WaitForURLAsync(new Regex("/api/status/runs/[^/]+$"), new() { Timeout = 30_000 });
        var runId = Uri.UnescapeDataString(new Uri(_page.Url).Segments[^1]);
        await Expect(_page.Locator("#run-status .badge")).ToHaveAttributeAsync("data-status", "DryRunCompleted", new() { Timeout = 30_000 });
        await ScreenshotAsync("run");
        await AssertAccessibleAsync("a run's page");

        // Assert: the API agrees, and the report shows its plan.
        var view = await fixture.GetJsonAsync("api/runs/" + runId);
        var run = view.GetProperty("run");
        Assert.Equal("DryRun", run.GetProperty("mode").GetString());
        Assert.Equal("DryRunCompleted", run.GetProperty("status").GetString());
        Assert.Equal(StatusPageFixture.TrialSync, run.GetProperty("syncId").GetString());
        await Expect(_page.Locator("#plan [data-field='adds'] dd")).ToHaveTextAsync(Plan(run, "adds").ToString("N0", CultureInfo.InvariantCulture));
        await Expect(_page.Locator("#plan [data-field='members'] dd")).ToHaveTextAsync(Plan(run, "members").ToString("N0", CultureInfo.InvariantCulture));
        await Expect(_page.Locator("#progress-text")).ToHaveAttributeAsync("data-count", view.GetProperty("batchCount").GetInt32().ToString(CultureInfo.InvariantCulture));
        await AssertNothingPrivateAsync();
    }

    [ChromiumFact]
    public async Task StatusPage_HeldRun_IsApprovedFromItsPageWithTheKeyboard()
    {
        // Arrange
        var requestsBefore = fixture.Sandbox.Webhook.Requests;
        await SignInAsync("api/status/runs/" + Uri.EscapeDataString(fixture.HeldRunId));
        await Expect(_page.Locator("#run-status .badge")).ToHaveAttributeAsync("data-status", "AwaitingApproval");
        var panel = _page.Locator($"[data-held-run='{fixture.HeldRunId}']");
        await Expect(panel).ToContainTextAsync("remove 100 of 200 members");
        var requestsWhileHeld = fixture.Sandbox.Webhook.Requests;
        await AssertAccessibleAsync("a held run's page");

        // Act: focus the button and press Enter, as a keyboard user would.
        await panel.GetByRole(AriaRole.Button, new() { Name = "Approve and send" }).FocusAsync();
        await _page.Keyboard.PressAsync("Enter");
        await Expect(_page.Locator("#run-status .badge")).ToHaveAttributeAsync("data-status", "Completed", new() { Timeout = 30_000 });

        // Assert
        var view = await fixture.GetJsonAsync("api/runs/" + fixture.HeldRunId);
        var run = view.GetProperty("run");
        var batches = view.GetProperty("batchCount").GetInt32();
        Assert.Equal(requestsBefore, requestsWhileHeld);
        Assert.True(batches > 1, $"the held run has {batches} batch(es)");
        await Expect(_page.Locator("#progress-text")).ToHaveTextAsync($"{batches} of {batches} batches sent");
        await Expect(_page.Locator("#run-progress")).ToHaveAttributeAsync("value", batches.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("Completed", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("decision").GetProperty("approved").GetBoolean());
        Assert.Equal(100, fixture.Sandbox.Webhook.Members(StatusPageFixture.HeldSync).Count);
        await Expect(_page.Locator("#run-decision")).ToContainTextAsync("Approved");
        await Expect(_page.Locator("#outcome [data-field='accepted'] dd")).ToHaveTextAsync(Outcome(run, "accepted").ToString("N0", CultureInfo.InvariantCulture));
        await ScreenshotAsync("run-approved");
    }

    private static int Plan(JsonElement run, string name) => run.GetProperty("plan").GetProperty(name).GetInt32();

    private static int Outcome(JsonElement run, string name) =>
        run.TryGetProperty("outcome", out var outcome) && outcome.TryGetProperty(name, out var value) ? value.GetInt32() : 0;

    private async Task SignInAsync(string path)
    {
        await _context.AddInitScriptAsync($"sessionStorage.setItem('cohortsync.apiKey', {JsonSerializer.Serialize(StatusPageFixture.ApiKey)})");
        await _page.GotoAsync(path);
    }

    private async Task<List<(string RunId, string Value)>> MarksAsync(string selector)
    {
        var marks = await _page.Locator(selector).EvaluateAllAsync<string[][]>("els => els.map(e => [e.dataset.runId, e.dataset.value])");
        return marks.Select(m => (m[0], m[1])).ToList();
    }

    // The page shows neither the destination's secret, nor the key, nor a member's email or user id.
    private async Task AssertNothingPrivateAsync()
    {
        var text = await _page.Locator("body").InnerTextAsync();
        var html = await _page.ContentAsync();
        foreach (var content in new[] { text, html })
        {
            Assert.DoesNotContain(StatusPageFixture.Secret, content, StringComparison.Ordinal);
            Assert.DoesNotContain(StatusPageFixture.ApiKey, content, StringComparison.Ordinal);
            Assert.DoesNotContain("@example.com", content, StringComparison.Ordinal);
            Assert.False(UserId().IsMatch(content), "a member's user id is on the page");
        }
    }

    // axe-core (WCAG 2.1 A and AA rules: names and labels, contrast, structure, ARIA) finds nothing on the page as it is.
    private async Task AssertAccessibleAsync(string what)
    {
        var results = await _page.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        Assert.True(
            results.Violations.Length == 0,
            $"{what}: " + string.Join("; ", results.Violations.Select(v => $"{v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    private async Task ScreenshotAsync(string name)
    {
        var path = Path.Combine(StatusPageFixture.ScreenshotDirectory(), name + ".png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
        fixture.AddScreenshot(path);
    }

    [GeneratedRegex(@"user-(\d+|reject-me-\d+)\b")]
    private static partial Regex UserId();
}
