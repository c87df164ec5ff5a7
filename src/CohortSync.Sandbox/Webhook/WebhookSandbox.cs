using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Webhook;

/// <summary>
/// A webhook receiver: checks the HMAC-SHA256 signature over the body, applies adds and removes to a membership per
/// container, and records how often each key was delivered. Optionally refuses ids that contain a marker (to test
/// per-member rejections). State is inspected at <c>GET /_sandbox/webhook</c>.
/// </summary>
public sealed class WebhookSandbox
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deliveries = new(StringComparer.Ordinal);
    private int _requests;
    private int _badSignatures;

    /// <summary>The shared secret requests must be signed with.</summary>
    public string Secret { get; set; } = "sandbox-webhook-secret";

    /// <summary>Ids containing this text are refused with a reason (null: accept all).</summary>
    public string? RejectMarker { get; set; } = "reject-me";

    /// <summary>Faults to inject.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Called with each request's raw body and signature header, before the signature is checked (tests verify it themselves).</summary>
    public Action<byte[], string>? Received { get; set; }

    /// <summary>Requests served (faults included).</summary>
    public int Requests => _requests;

    /// <summary>Requests refused for a bad signature.</summary>
    public int BadSignatures => _badSignatures;

    /// <summary>The members of a container.</summary>
    public IReadOnlySet<string> Members(string container) =>
        _members.TryGetValue(container, out var set) ? set.Keys.ToHashSet(StringComparer.Ordinal) : new HashSet<string>();

    /// <summary>How many times each key was delivered as an add or update (key: <c>{container}|{kind}:{id}</c>).</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _deliveries;

    /// <summary>Clears membership, counters and faults.</summary>
    public void Reset()
    {
        _members.Clear();
        _deliveries.Clear();
        _requests = 0;
        _badSignatures = 0;
        Received = null;
        Faults.Reset();
    }

    /// <summary>Maps the receiver and its inspection route.</summary>
    internal static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/webhook", async (HttpContext context, WebhookSandbox sandbox) => await sandbox.ReceiveAsync(context));
        app.MapGet("/_sandbox/webhook", (WebhookSandbox sandbox) => Results.Json(new
        {
            requests = sandbox.Requests,
            badSignatures = sandbox.BadSignatures,
            faultsInjected = sandbox.Faults.Injected,
            containers = sandbox._members.ToDictionary(c => c.Key, c => c.Value.Keys.Order(StringComparer.Ordinal).ToArray()),
        }));
        app.MapPost("/_sandbox/webhook/reset", (WebhookSandbox sandbox) =>
        {
            sandbox.Reset();
            return Results.NoContent();
        });
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (await Faults.NextAsync(context) is { } fault)
        {
            await Faults.WriteAsync(context, fault);
            return;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
        var given = context.Request.Headers["X-CohortSync-Signature"].ToString();
        Received?.Invoke(body, given);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)))
        {
            Interlocked.Increment(ref _badSignatures);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            await context.Response.WriteAsJsonAsync(new { error = "bad signature" });
            return;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = "body is not JSON" });
            return;
        }

        using (json)
        {
            var container = json.RootElement.GetProperty("container").GetString() ?? string.Empty;
            var members = _members.GetOrAdd(container, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            var rejected = new List<object>();
            var index = 0;
            foreach (var change in json.RootElement.GetProperty("changes").EnumerateArray())
            {
                var op = change.GetProperty("op").GetString();
                var key = change.GetProperty("kind").GetString() + ":" + change.GetProperty("id").GetString();
                if (RejectMarker is not null && key.Contains(RejectMarker, StringComparison.Ordinal))
                {
                    rejected.Add(new { index, reason = "id refused by the receiver" });
                }
                else if (op == "remove")
                {
                    members.TryRemove(key, out _);
                }
                else
                {
                    members[key] = 0;
                    _deliveries.AddOrUpdate(container + "|" + key, 1, (_, n) => n + 1);
                }

                index++;
            }

            await context.Response.WriteAsJsonAsync(new { rejected });
        }
    }
}

/// <summary>Registers the webhook receiver.</summary>
internal sealed class WebhookModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<WebhookSandbox>();

    public void Map(WebApplication app) => WebhookSandbox.Map(app);
}
