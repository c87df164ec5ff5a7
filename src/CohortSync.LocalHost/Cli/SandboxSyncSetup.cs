using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CohortSync.Core.Application;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CohortSync.LocalHost.Cli;

/// <summary>
/// Sets up the second half of the demo from what the sandbox seeded (its <c>GET /_sandbox/demo</c>, written by the
/// sandbox's own <c>SandboxDemo</c>): the throwaway credentials go to the secret store like real keys, and one Amplitude
/// cohort gets a sync to each of Braze, Iterable, Pushwoosh, Productboard and a webhook, each with its own identifier
/// chain. The CLI then runs each sync, and one again to show an unchanged cohort costs no download.
/// </summary>
internal static class SandboxSyncSetup
{
    public static async Task<IReadOnlyList<string>> PrepareAsync(IServiceProvider services, Uri sandbox, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var seed = await http.GetFromJsonAsync<JsonElement>(new Uri(sandbox, "_sandbox/demo"), cancellationToken);
        string S(string vendor, string field) => seed.GetProperty(vendor).GetProperty(field).ToString();

        var secrets = services.GetRequiredService<ISecretStore>();
        await secrets.SetSecretAsync("demo-amplitude", S("amplitude", "apiKey") + ":" + S("amplitude", "secretKey"), cancellationToken);
        await secrets.SetSecretAsync("braze-partner-key-us", S("braze", "usPartnerKey"), cancellationToken);
        await secrets.SetSecretAsync("braze-partner-key-eu", S("braze", "euPartnerKey"), cancellationToken);
        await secrets.SetSecretAsync("demo-notify-key", S("notify", "secret"), cancellationToken);
        await secrets.SetSecretAsync("demo-slack-url", S("notify", "slackUrl"), cancellationToken);

        var destinations = new (DestinationDefinition Destination, string Secret, IReadOnlyList<IdentifierMapping> Chain, IReadOnlyList<CarriedField> Carry)[]
        {
            (Destination("demo-braze", "Braze (sandbox)", "braze", "demo-braze-key", ("cluster", S("braze", "cluster")), ("baseUrl", S("braze", "baseUrl")), ("mode", "partnerCohort"), ("partnerName", S("braze", "partnerName"))),
                S("braze", "dataImportKey"),
                [new("user_id", KeyKind.UserId), new("device_id", KeyKind.DeviceId)],
                []),
            (Destination("demo-iterable", "Iterable (sandbox)", "iterable", "demo-iterable-key", ("baseUrl", S("iterable", "baseUrl"))),
                S("iterable", "apiKey"),
                [new("user_id", KeyKind.UserId)],
                [new("email", "email")]),
            (Destination("demo-pushwoosh", "Pushwoosh (sandbox)", "pushwoosh", "demo-pushwoosh-server", ("baseUrl", S("pushwoosh", "baseUrl")), ("applicationCode", S("pushwoosh", "applicationCode")), ("requestsPerSecond", S("pushwoosh", "requestsPerSecond")), ("statusPollDelayMs", "20")),
                S("pushwoosh", "serverToken"),
                [new("email", KeyKind.Email)],
                []),
            (Destination("demo-productboard", "Productboard (sandbox)", "productboard", "demo-productboard-token", ("baseUrl", S("productboard", "baseUrl")), ("requestsPerSecond", S("productboard", "requestsPerSecond"))),
                S("productboard", "token"),
                [new("user_id", KeyKind.UserId)],
                [new("email", "email")]),
            (Destination("demo-webhook", "Webhook (sandbox)", "webhook", "demo-webhook-secret", ("url", S("webhook", "url"))),
                S("webhook", "secret"),
                [new("user_id", KeyKind.UserId)],
                [new("email", "email")]),
        };

        var store = services.GetRequiredService<ISyncStore>();
        var definitions = services.GetRequiredService<DefinitionService>();
        var syncIds = new List<string>();
        foreach (var (destination, secret, chain, carry) in destinations)
        {
            await Definitions.UpsertAsync(definitions, store, destination, secret, cancellationToken);
            var syncId = destination.Id.Replace("demo-", "amp-", StringComparison.Ordinal);
            var source = new SourceDefinition(
                "amplitude",
                S("amplitude", "cohortId"),
                "Trial users who never invited a teammate",
                new Dictionary<string, string> { ["baseUrl"] = S("amplitude", "baseUrl"), ["pollMinutes"] = (0.25 / 60).ToString(CultureInfo.InvariantCulture) },
                "demo-amplitude");
            await Definitions.UpsertAsync(definitions, store, new SyncDefinition
            {
                Id = syncId,
                Name = "Amplitude cohort to " + destination.Name,
                DestinationId = destination.Id,
                Source = source,
                Identifiers = chain,
                Carry = carry,

                // The webhook's sync also notifies: a signed webhook and a Slack-style channel, both played by the sandbox.
                Notifications = destination.Type != "webhook" ? null :
                [
                    new NotificationTarget { Type = "webhook", Url = S("notify", "webhookUrl"), SecretName = "demo-notify-key" },
                    new NotificationTarget { Type = "slack", SecretName = "demo-slack-url" },
                ],
            }, cancellationToken);
            syncIds.Add(syncId);
        }

        return syncIds;
    }

    private static DestinationDefinition Destination(string id, string name, string type, string secretName, params (string Key, string Value)[] settings) => new()
    {
        Id = id,
        Name = name,
        Type = type,
        SecretName = secretName,
        Settings = settings.ToDictionary(s => s.Key, s => s.Value),
    };

    /// <summary>Prints the notifications the sandbox's receivers accepted (<c>GET /_sandbox/notify</c>).</summary>
    public static async Task PrintNotificationsAsync(IAnsiConsole console, Uri sandbox, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var received = await http.GetFromJsonAsync<JsonElement>(new Uri(sandbox, "_sandbox/notify"), cancellationToken);
        foreach (var item in received.GetProperty("received").EnumerateArray())
        {
            string? P(string name) => item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var route = P("route") ?? "?";
            var body = P("body") ?? string.Empty;
            if (route == "webhook")
            {
                using var json = JsonDocument.Parse(body);
                var counts = json.RootElement.GetProperty("counts").EnumerateObject().Where(c => c.Name is "adds" or "removes" or "accepted" or "rejected")
                    .Select(c => $"; {c.Name} {c.Value}");
                console.MarkupLineInterpolated($"[bold]webhook[/] {P("event")} of run {P("runId")}: status {P("status")}{string.Concat(counts)}");
            }
            else
            {
                console.MarkupLineInterpolated($"[bold]{route}[/]   {body.Split('\n')[0]}");
            }
        }

        console.MarkupLineInterpolated($"(the webhook receiver checked each signature and timestamp; refused: {received.GetProperty("badSignatures").GetInt32() + received.GetProperty("staleTimestamps").GetInt32()})");
    }

    public static void Title(IAnsiConsole console, string text) => console.Write(new Rule($"[bold]{Markup.Escape(text)}[/]").LeftJustified());
}
