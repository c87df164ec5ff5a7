using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using CohortSync.Sandbox.Faults;

namespace CohortSync.Sandbox.KeyVault;

/// <summary>
/// Key Vault's secrets REST API as <c>Azure.Security.KeyVault.Secrets.SecretClient</c> uses it, served on the sandbox's
/// HTTPS address (<see cref="SandboxHost.HttpsBaseAddress"/>): <c>GET /secrets/{name}[/{version}]</c> and
/// <c>PUT /secrets/{name}</c> (a new version each time), each with an <c>api-version</c> query parameter, with Key Vault's
/// bodies (<c>value</c>, <c>id</c> = <c>{vault}/secrets/{name}/{version}</c>, <c>attributes</c>) and errors
/// (<c>{"error":{"code","message"}}</c>). Authentication is Key Vault's bearer challenge: a request without a valid
/// bearer token is answered 401 with <c>WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/{tenant}",
/// resource="https://vault.azure.net"</c>; the token accepted is <see cref="TokenFor"/> of this vault's tenant, so a client
/// holding a token for another tenant is challenged again, as Key Vault does. Names are case-insensitive. State is
/// inspected at <c>GET /_sandbox/keyvault</c> (names and version counts, never values).
/// </summary>
public sealed partial class KeyVaultSandbox
{
    private readonly ConcurrentDictionary<string, Secret> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private int _requests;
    private int _challenged;
    private int _reads;
    private int _writes;
    private int _notFound;

    /// <summary>The vault's tenant, named in the challenge. A new one per sandbox.</summary>
    public string TenantId { get; set; } = Guid.NewGuid().ToString();

    /// <summary>The resource named in the challenge (the client asks its credential for <c>{resource}/.default</c>).</summary>
    public string Resource { get; set; } = "https://vault.azure.net";

    /// <summary>Faults to inject (checked after authentication).</summary>
    public FaultPlan Faults { get; } = new();

    /// <summary>Requests received on the secrets routes.</summary>
    public int Requests => _requests;

    /// <summary>Requests answered 401 with the bearer challenge (no token, or a token for another tenant).</summary>
    public int ChallengedRequests => _challenged;

    /// <summary>Secret values served (200s to GET).</summary>
    public int Reads => _reads;

    /// <summary>Versions written through the API (200s to PUT).</summary>
    public int Writes => _writes;

    /// <summary>Requests answered 404 SecretNotFound.</summary>
    public int NotFound => _notFound;

    /// <summary>The bearer token this sandbox accepts for a tenant: what a test credential hands out.</summary>
    public static string TokenFor(string? tenantId) => "sandbox-kv-token." + tenantId;

    /// <summary>Sets a secret directly, as a rotation outside the app would: adds a new version, which becomes the latest.</summary>
    /// <returns>The new version's id.</returns>
    public string SetSecret(string name, string value, string? contentType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!ValidName().IsMatch(name))
        {
            throw new ArgumentException("a Key Vault secret name is 1 to 127 letters, digits and dashes", nameof(name));
        }

        return _secrets.GetOrAdd(name, n => new Secret(n)).Add(value, contentType, enabled: true).Id;
    }

    /// <summary>Enables or disables a secret's latest version (Key Vault answers 403 to a read of a disabled one).</summary>
    public void SetEnabled(string name, bool enabled) => _secrets[name].SetLatestEnabled(enabled);

    /// <summary>How many versions a secret has (0: none).</summary>
    public int VersionCount(string name) => _secrets.TryGetValue(name, out var secret) ? secret.Count : 0;

    /// <summary>Maps the secrets API and the inspection route.</summary>
    internal static void Map(WebApplication app)
    {
        app.MapGet("/secrets/{name}/{version?}", (HttpContext c, string name, string? version, KeyVaultSandbox s) => s.ServeAsync(c, name, () => s.Get(c, name, version)));
        app.MapPut("/secrets/{name}", (HttpContext c, string name, KeyVaultSandbox s) => s.ServeAsync(c, name, () => s.PutAsync(c, name)));
        app.MapGet("/_sandbox/keyvault", (KeyVaultSandbox s) => Results.Json(new
        {
            tenantId = s.TenantId,
            requests = s.Requests,
            challenged = s.ChallengedRequests,
            reads = s.Reads,
            writes = s.Writes,
            notFound = s.NotFound,
            faultsInjected = s.Faults.Injected,
            secrets = s._secrets.ToDictionary(p => p.Value.Name, p => p.Value.Count),
        }));
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$")]
    private static partial Regex ValidName();

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private static string Vault(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private async Task<IResult> ServeAsync(HttpContext context, string name, Func<Task<IResult>> handle)
    {
        Interlocked.Increment(ref _requests);
        if (!context.Request.IsHttps)
        {
            return Error(StatusCodes.Status403Forbidden, "Forbidden", "Key Vault is served over HTTPS only.");
        }

        // The challenge comes before anything else: the client's first request carries no token and no body.
        if (!Authenticated(context))
        {
            Interlocked.Increment(ref _challenged);
            context.Response.Headers.WWWAuthenticate =
                $"Bearer authorization=\"https://login.microsoftonline.com/{TenantId}\", resource=\"{Resource}\"";
            return Error(StatusCodes.Status401Unauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
        }

        if (await Faults.NextAsync(context.RequestAborted) is { } fault)
        {
            await Faults.WriteAsync(context, fault);
            return Results.Empty;
        }

        if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
        {
            return Error(StatusCodes.Status400BadRequest, "BadParameter", "The request URI contains no api-version query parameter.");
        }

        if (!ValidName().IsMatch(name))
        {
            return Error(StatusCodes.Status400BadRequest, "BadParameter", "The secret name is invalid: use 1 to 127 letters, digits and dashes.");
        }

        return await handle();
    }

    private bool Authenticated(HttpContext context) =>
        AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
        && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
        && string.Equals(header.Parameter, TokenFor(TenantId), StringComparison.Ordinal);

    private Task<IResult> Get(HttpContext context, string name, string? version)
    {
        var found = _secrets.TryGetValue(name, out var secret) ? secret.Find(version) : null;
        if (found is null)
        {
            Interlocked.Increment(ref _notFound);
            return Task.FromResult(Error(
                StatusCodes.Status404NotFound,
                "SecretNotFound",
                $"A secret with (name/id) {name}{(version is null ? string.Empty : "/" + version)} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command."));
        }

        if (!found.Enabled)
        {
            return Task.FromResult(Results.Json(
                new { error = new { code = "Forbidden", message = "Operation get is not allowed on a disabled secret.", innererror = new { code = "SecretDisabled" } } },
                statusCode: StatusCodes.Status403Forbidden));
        }

        Interlocked.Increment(ref _reads);
        return Task.FromResult(Bundle(context, secret!, found));
    }

    private async Task<IResult> PutAsync(HttpContext context, string name)
    {
        string? value = null;
        string? contentType = null;
        var enabled = true;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            var root = body.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                value = root.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                contentType = root.TryGetProperty("contentType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                enabled = !(root.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object
                    && a.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False);
            }
        }
        catch (JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, "BadParameter", "The request body is not valid JSON.");
        }

        if (value is null)
        {
            return Error(StatusCodes.Status400BadRequest, "BadParameter", "Property 'value' is required.");
        }

        var secret = _secrets.GetOrAdd(name, n => new Secret(n));
        var version = secret.Add(value, contentType, enabled);
        Interlocked.Increment(ref _writes);
        return Bundle(context, secret, version);
    }

    private static IResult Bundle(HttpContext context, Secret secret, SecretVersion version) => Results.Json(new
    {
        value = version.Value,
        contentType = version.ContentType,
        id = $"{Vault(context)}/secrets/{secret.Name}/{version.Id}",
        attributes = new
        {
            enabled = version.Enabled,
            created = version.Created.ToUnixTimeSeconds(),
            updated = version.Updated.ToUnixTimeSeconds(),
            recoveryLevel = "Recoverable+Purgeable",
            recoverableDays = 90,
        },
        tags = new Dictionary<string, string>(),
    });

    private sealed class Secret(string name)
    {
        private readonly Lock _gate = new();
        private readonly List<SecretVersion> _versions = [];

        // The name as first written: Key Vault keeps the original case and matches case-insensitively.
        public string Name { get; } = name;

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _versions.Count;
                }
            }
        }

        public SecretVersion Add(string value, string? contentType, bool enabled)
        {
            var now = DateTimeOffset.UtcNow;
            var version = new SecretVersion(Guid.NewGuid().ToString("N"), value, contentType, now) { Enabled = enabled, Updated = now };
            lock (_gate)
            {
                _versions.Add(version);
            }

            return version;
        }

        public SecretVersion? Find(string? id)
        {
            lock (_gate)
            {
                return string.IsNullOrEmpty(id)
                    ? _versions.LastOrDefault()
                    : _versions.Find(v => string.Equals(v.Id, id, StringComparison.OrdinalIgnoreCase));
            }
        }

        public void SetLatestEnabled(bool enabled)
        {
            lock (_gate)
            {
                var latest = _versions[^1];
                latest.Enabled = enabled;
                latest.Updated = DateTimeOffset.UtcNow;
            }
        }
    }

    private sealed record SecretVersion(string Id, string Value, string? ContentType, DateTimeOffset Created)
    {
        public bool Enabled { get; set; }

        public DateTimeOffset Updated { get; set; }
    }
}

/// <summary>Registers the Key Vault simulator.</summary>
internal sealed class KeyVaultModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<KeyVaultSandbox>();

    public void Map(WebApplication app) => KeyVaultSandbox.Map(app);
}
