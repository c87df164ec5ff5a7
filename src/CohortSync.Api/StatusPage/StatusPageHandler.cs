using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace CohortSync.Api.StatusPage;

/// <summary>
/// The status page, served by both hosts at <c>/api/status</c> (the Functions app's route prefix is <c>api</c>, so the
/// local host uses the same path): one HTML shell for every page (<c>/api/status</c>, <c>/api/status/syncs/{id}</c>,
/// <c>/api/status/runs/{runId}</c>) and its script and style under <c>/api/status/assets/</c>, all embedded in this
/// assembly. The page carries no data: its script asks for the API key, keeps it in <c>sessionStorage</c>, and reads
/// everything through the API with it, so serving the files needs no key. A strict content security policy allows
/// nothing but this origin's own script, style and API.
/// </summary>
public sealed class StatusPageHandler
{
    /// <summary>Where the page lives, below the host's path base.</summary>
    public const string BasePath = "/api/status";

    /// <summary>The content security policy of every answer: this origin only, no inline script or style, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string BaseToken = "{{base}}";

    private static readonly FrozenDictionary<string, (string ContentType, string Text)> Assets = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["status.js"] = ("text/javascript; charset=utf-8", Read("status.js")),
        ["status.css"] = ("text/css; charset=utf-8", Read("status.css")),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly string Shell = Read("index.html");

    /// <summary>GET /api/status/{**path}: the page for a page path, an asset for <c>assets/{name}</c>, else 404.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "One instance handler for both hosts to call.")]
    public Task<IResult> GetAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";

        var path = request.Path.Value ?? string.Empty;
        if (!path.StartsWith(BasePath, StringComparison.OrdinalIgnoreCase) || (path.Length > BasePath.Length && path[BasePath.Length] != '/'))
        {
            return Task.FromResult(NotFound());
        }

        var segments = path[BasePath.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var result = segments switch
        {
            [] or ["syncs", _] or ["runs", _] => Page(request),
            ["assets", var name] when Assets.TryGetValue(name, out var asset) => Results.Text(asset.Text, asset.ContentType, Encoding.UTF8),
            _ => NotFound(),
        };
        return Task.FromResult(result);
    }

    private static IResult Page(HttpRequest request)
    {
        var root = HtmlEncoder.Default.Encode(request.PathBase.Value + BasePath);
        return Results.Text(Shell.Replace(BaseToken, root, StringComparison.Ordinal), "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static IResult NotFound() => Results.Problem("No such page.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static string Read(string name)
    {
        using var stream = typeof(StatusPageHandler).Assembly.GetManifestResourceStream("StatusPage/" + name)
            ?? throw new InvalidOperationException($"the status page's {name} is not embedded in {typeof(StatusPageHandler).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
