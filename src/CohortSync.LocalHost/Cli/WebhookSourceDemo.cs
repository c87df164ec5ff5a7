using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CohortSync.LocalHost.Cli;

/// <summary>
/// The demo's real-time cohort: the sandbox plays Amplitude's Cohort Webhooks and posts who entered and who left to this
/// host's <c>POST /api/sources/{sourceId}/amplitude-webhook</c> (over HTTP, each message twice, one late retry), and a sync
/// whose source is that cohort runs twice: the first sends every member, the second only the change. The sync notifies the
/// sandbox's signed-webhook and Slack-style receivers.
/// </summary>
internal static class WebhookSourceDemo
{
    public const string SyncId = "hook-webhook";
    private const string SourceId = "demo-signups";
    private const string SecretName = "demo-amplitude-webhook-secret";

    /// <summary>Defines the sync and sends the first computation: 2,500 users entered, in messages of 1,000, each sent twice.</summary>
    public static async Task<string> PrepareAsync(IServiceProvider services, IAnsiConsole console, Uri sandbox, CancellationToken cancellationToken)
    {
        var receiver = ReceiverAddress(services);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await services.GetRequiredService<ISecretStore>().SetSecretAsync(SecretName, secret, cancellationToken);
        var time = services.GetRequiredService<TimeProvider>();
        await Definitions.UpsertAsync(services.GetRequiredService<DefinitionService>(), services.GetRequiredService<ISyncStore>(), new SyncDefinition
        {
            Id = SyncId,
            Name = "Signups, pushed by Amplitude's cohort webhooks, to a webhook",
            DestinationId = "demo-webhook",
            Source = new SourceDefinition("amplitude-webhook", SourceId, "Signups", SecretName: SecretName),
            Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
            Notifications =
            [
                new NotificationTarget { Type = "webhook", Url = new Uri(sandbox, "notify/webhook").ToString(), SecretName = "demo-notify-key" },
                new NotificationTarget { Type = "slack", SecretName = "demo-slack-url" },
            ],
            CreatedAt = time.GetUtcNow(),
        }, cancellationToken);

        var url = new Uri(receiver, $"api/sources/{SourceId}/amplitude-webhook");
        var computed = time.GetUtcNow().ToUnixTimeSeconds();
        await SendAsync(console, sandbox, secret, url, computed, entered: Users(0, 2500), exited: [], holdBack: 0, cancellationToken);
        return secret;
    }

    /// <summary>Sends the next computation: 200 entered and 300 left, one message held back and sent late, after the others.</summary>
    public static async Task SendChangeAsync(IServiceProvider services, IAnsiConsole console, Uri sandbox, string secret, CancellationToken cancellationToken)
    {
        var url = new Uri(ReceiverAddress(services), $"api/sources/{SourceId}/amplitude-webhook");
        var computed = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds() + 60;
        await SendAsync(console, sandbox, secret, url, computed, entered: Users(2500, 200), exited: Users(0, 300), holdBack: 1, cancellationToken);
    }

    private static async Task SendAsync(
        IAnsiConsole console, Uri sandbox, string secret, Uri url, long computed, string[] entered, string[] exited, int holdBack, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = sandbox };
        var plan = new
        {
            url,
            cohortId = "demo-signups-cohort",
            cohortName = "Signups",
            computedTime = computed,
            entered,
            exited,
            headers = new Dictionary<string, string> { ["X-CohortSync-Secret"] = secret },
            batchSize = 1000,
            sendEachTwice = true,
            holdBack,
        };
        using var sent = await http.PostAsJsonAsync("_sandbox/amplitude/webhooks/send", plan, cancellationToken);
        sent.EnsureSuccessStatusCode();
        var report = await sent.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        console.MarkupLineInterpolated($"Amplitude (the sandbox) posted {entered.Length:N0} entered and {exited.Length:N0} left to {url}: {Describe(report)}");
        if (holdBack > 0)
        {
            using var released = await http.PostAsync(new Uri("_sandbox/amplitude/webhooks/release", UriKind.Relative), null, cancellationToken);
            released.EnsureSuccessStatusCode();
            var late = await released.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            console.MarkupLineInterpolated($"then the held-back message, late, after the rest: {Describe(late)}");
        }
    }

    // The sender's report as it came (messages, answers, duplicates), whatever its fields.
    private static string Describe(JsonElement report) =>
        string.Join(", ", report.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number).Select(p => $"{p.Name} {p.Value}"));

    private static string[] Users(int from, int count) => Enumerable.Range(from, count).Select(i => $"signup-{i:D5}").ToArray();

    // Where this host listens: the demo serves the API on a free loopback port so the sandbox can post to it.
    private static Uri ReceiverAddress(IServiceProvider services)
    {
        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the demo host does not listen on HTTP");
        return new Uri(address.TrimEnd('/') + "/");
    }
}
