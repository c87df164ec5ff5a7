using System.Diagnostics.CodeAnalysis;
using System.Text;
using Azure;
using Azure.Core;

namespace CohortSync.Azure.Tests.Secrets;

/// <summary>A Key Vault response for <see cref="RequestFailedException"/>: a status, a JSON error body and headers.</summary>
internal sealed class FakeResponse : Response
{
    private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase);

    public FakeResponse(int status, string? errorCode = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        Status = status;
        if (errorCode is not null)
        {
            ContentStream = new MemoryStream(Encoding.UTF8.GetBytes("{\"error\":{\"code\":\"" + errorCode + "\",\"message\":\"refused\"}}"));
            _headers["Content-Type"] = "application/json; charset=utf-8";
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            _headers[name] = value;
        }
    }

    public override int Status { get; }

    public override string ReasonPhrase => string.Empty;

    public override Stream? ContentStream { get; set; }

    public override string ClientRequestId { get; set; } = "test-request";

    public override void Dispose()
    {
    }

    protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        values = _headers.TryGetValue(name, out var value) ? [value] : null;
        return values is not null;
    }
}
