using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.Notify;

/// <summary>
/// Receivers of CohortSync's run notifications, as strict as a careful receiver would be. <c>POST /notify/webhook</c>
/// checks the signature (<c>X-CohortSync-Signature: sha256=</c> the hex HMAC-SHA256 of <c>{timestamp}.{body}</c> with
/// <see cref="Secret"/>) and the timestamp (<c>X-CohortSync-Timestamp</c>, Unix seconds, at most <see cref="Tolerance"/>
/// away from now), answers 401 otherwise, and records each <c>Idempotency-Key</c> once (a repeat is answered 200 and
/// counted as a duplicate). <c>POST /notify/slack/{token}</c> and <c>/notify/teams/{token}</c> play the chat tools'
/// incoming webhooks: the token must be <see cref="ChatToken"/> (404 otherwise) and the body a JSON object with a
/// non-empty <c>text</c> (400 otherwise). <c>POST /notify/down</c> is a receiver that is down: 503 every time. What was
/// received is inspected at <c>GET /_sandbox/notify</c>.
/// </summary>
public sealed class NotifySandbox
{
    private readonly ConcurrentQueue<ReceivedNotification> _received = new();
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);
    private int _badSignatures;
    private int _staleTimestamps;
    private int _duplicates;
    private int _downRequests;

    /// <summary>The secret webhook notifications must be signed with.</summary>
    public string Secret { get; set; } = "sandbox-notify-secret";

    /// <summary>The token in a chat webhook's path.</summary>
    public string ChatToken { get; set; } = "T000-sandbox-token";

    /// <summary>How far a webhook's timestamp may be from now. <value>Default 5 minutes.</value></summary>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Faults the webhook route injects.</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Notifications accepted (a duplicate is not recorded again), in arrival order.</summary>
    public IReadOnlyList<ReceivedNotification> Received => _received.ToList();

    /// <summary>Webhook requests refused for a bad or missing signature.</summary>
    public int BadSignatures => _badSignatures;

    /// <summary>Webhook requests refused for a timestamp too far from now.</summary>
    public int StaleTimestamps => _staleTimestamps;

    /// <summary>Webhook requests whose idempotency key had been received before.</summary>
    public int Duplicates => _duplicates;

    /// <summary>Requests to the receiver that is down.</summary>
    public int DownRequests => _downRequests;

    /// <summary>Forgets everything received and the faults.</summary>
    public void Reset()
    {
        _received.Clear();
        _keys.Clear();
        _badSignatures = 0;
        _staleTimestamps = 0;
        _duplicates = 0;
        _downRequests = 0;
        Faults.Reset();
    }

    /// <summary>Maps the receivers and the inspection routes.</summary>
    internal static void Map(WebApplication app)
    {
        app.MapPost("/notify/webhook", (HttpContext context, NotifySandbox sandbox) => sandbox.ReceiveWebhookAsync(context));
        app.MapPost("/notify/slack/{token}", (HttpContext context, string token, NotifySandbox sandbox) => sandbox.ReceiveChatAsync(context, "slack", token));
        app.MapPost("/notify/teams/{token}", (HttpContext context, string token, NotifySandbox sandbox) => sandbox.ReceiveChatAsync(context, "teams", token));
        app.MapPost("/notify/down", (NotifySandbox sandbox) =>
        {
            Interlocked.Increment(ref sandbox._downRequests);
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/_sandbox/notify", (NotifySandbox sandbox) => Results.Json(new
        {
            received = sandbox.Received,
            badSignatures = sandbox.BadSignatures,
            staleTimestamps = sandbox.StaleTimestamps,
            duplicates = sandbox.Duplicates,
            downRequests = sandbox.DownRequests,
        }));
        app.MapPost("/_sandbox/notify/reset", (NotifySandbox sandbox) =>
        {
            sandbox.Reset();
            return Results.NoContent();
        });
    }

    private async Task ReceiveWebhookAsync(HttpContext context)
    {
        if (await Faults.NextAsync(context) is { } fault)
        {
            await Faults.WriteAsync(context, fault);
            return;
        }

        var body = await ReadAsync(context);
        var timestampText = context.Request.Headers["X-CohortSync-Timestamp"].ToString();
        var signature = context.Request.Headers["X-CohortSync-Signature"].ToString();
        var signed = Encoding.ASCII.GetBytes(timestampText + ".").Concat(body).ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed));
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            Interlocked.Increment(ref _badSignatures);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "bad signature");
            return;
        }

        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(timestamp);
        if (age.Duration() > Tolerance)
        {
            Interlocked.Increment(ref _staleTimestamps);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "timestamp outside the tolerance: a replay?");
            return;
        }

        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (string.IsNullOrEmpty(key))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Idempotency-Key is required");
            return;
        }

        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "body is not JSON");
            return;
        }

        if (!_keys.TryAdd(key, 0))
        {
            Interlocked.Increment(ref _duplicates);
            await context.Response.WriteAsJsonAsync(new { duplicate = true });
            return;
        }

        _received.Enqueue(new ReceivedNotification(
            "webhook",
            Text(json, "event"),
            Text(json, "runId"),
            Text(json, "status"),
            key,
            context.Request.Headers["X-CohortSync-Event"].ToString(),
            Encoding.UTF8.GetString(body)));
        await context.Response.WriteAsJsonAsync(new { received = true });
    }

    private async Task ReceiveChatAsync(HttpContext context, string tool, string token)
    {
        if (!string.Equals(token, ChatToken, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("no_service");
            return;
        }

        var body = await ReadAsync(context);
        string? text;
        try
        {
            using var json = JsonDocument.Parse(body);
            text = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
        }
        catch (JsonException)
        {
            text = null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("invalid_payload");
            return;
        }

        _received.Enqueue(new ReceivedNotification(tool, null, null, null, null, null, text));
        await context.Response.WriteAsync(tool == "slack" ? "ok" : "1");
    }

    private static async Task<byte[]> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static Task RefuseAsync(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error });
    }

    private static string? Text(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Registers the notification receivers.</summary>
internal sealed class NotifyModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<NotifySandbox>();

    public void Map(WebApplication app) => NotifySandbox.Map(app);
}
