using System.Globalization;
using CohortSync.Sandbox.Amplitude;
using CohortSync.Sandbox.Braze;
using CohortSync.Sandbox.Productboard;
using CohortSync.Sandbox.Pushwoosh;

namespace CohortSync.Sandbox;

/// <summary>
/// Seeds every sandbox for the README's run command: an Amplitude project with a cohort of 2,000 members (user id, email,
/// device id), the same users as existing Braze profiles and Pushwoosh users, and generous rate limits so the demo is
/// quick. <c>GET /_sandbox/demo</c> tells the demo the (throwaway) credentials to configure; they exist only in this process.
/// </summary>
public static class SandboxDemo
{
    /// <summary>The demo cohort's id in the Amplitude sandbox.</summary>
    public const string CohortId = "demo-trial-no-invite";

    private const int Members = 2000;

    /// <summary>Seeds the sandboxes of a host and maps the route that describes the seed.</summary>
    public static void Seed(SandboxHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var users = Enumerable.Range(1, Members).Select(i => new
        {
            UserId = i % 50 == 0 ? null : "user-" + i.ToString("D5", CultureInfo.InvariantCulture),
            Email = $"member{i}@example.com",
            DeviceId = "dev-" + (i * 7919 % 100_000).ToString("x5", CultureInfo.InvariantCulture),
            AmplitudeId = 100_000_000L + i,
        }).ToList();

        var amplitude = host.Get<AmplitudeSandbox>();
        amplitude.AddProject("us", "demo-amplitude-api-key", "demo-amplitude-secret-key");
        amplitude.ExportDuration = TimeSpan.FromMilliseconds(500);
        amplitude.SetCohort("us", "demo-amplitude-api-key", CohortId, "Trial users who never invited a teammate", users.Select(u =>
            new AmplitudeMember(u.UserId, u.AmplitudeId, new Dictionary<string, string> { ["email"] = u.Email, ["device_id"] = u.DeviceId })));

        var braze = host.Get<BrazeSandbox>();
        var workspace = braze.AddWorkspace("US-03", "demo-braze-data-import-key");
        workspace.AddIdentifiedUsers(users.Where(u => u.UserId is not null).Select(u => u.UserId!));
        foreach (var anonymous in users.Where(u => u.UserId is null))
        {
            workspace.AddAnonymousUser([anonymous.DeviceId]);
        }

        var pushwoosh = host.Get<PushwooshSandbox>();
        pushwoosh.AddUsers(users.Select(u => u.Email));
        pushwoosh.RateLimiter.PermitsPerSecond = 100;
        host.Get<ProductboardSandbox>().RateLimit.PermitsPerSecond = 400;
        host.Get<ProductboardSandbox>().RateLimit.Burst = 40;
    }

    internal static IResult Describe(SandboxHost host) => Results.Json(new
    {
        amplitude = new { baseUrl = Url(host, "amplitude/us/"), apiKey = "demo-amplitude-api-key", secretKey = "demo-amplitude-secret-key", cohortId = CohortId },
        braze = new
        {
            cluster = "US-03",
            baseUrl = Url(host, "braze/us-03/"),
            dataImportKey = "demo-braze-data-import-key",
            partnerName = host.Get<BrazeSandbox>().PartnerName,
            usPartnerKey = host.Get<BrazeSandbox>().UsPartnerKey,
            euPartnerKey = host.Get<BrazeSandbox>().EuPartnerKey,
        },
        iterable = new { baseUrl = Url(host, "iterable/us/"), apiKey = Iterable.IterableSandbox.DefaultApiKey },
        pushwoosh = new
        {
            baseUrl = host.BaseAddress.ToString(),
            applicationCode = PushwooshSandbox.DefaultApplication,
            serverToken = PushwooshSandbox.DefaultServerToken,
            deviceToken = PushwooshSandbox.DefaultDeviceToken,
            requestsPerSecond = 100,
        },
        productboard = new { baseUrl = Url(host, "productboard/"), token = host.Get<ProductboardSandbox>().Token, requestsPerSecond = 400 },
        webhook = new { url = Url(host, "webhook"), secret = host.Webhook.Secret },
        notify = new
        {
            webhookUrl = Url(host, "notify/webhook"),
            secret = host.Get<Notify.NotifySandbox>().Secret,
            slackUrl = Url(host, "notify/slack/" + host.Get<Notify.NotifySandbox>().ChatToken),
        },
    });

    private static string Url(SandboxHost host, string path) => new Uri(host.BaseAddress, path).ToString();
}
