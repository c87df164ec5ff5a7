using System.Net;

namespace CohortSync.TestHelpers;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers from a script and records requests (with their bodies read), for unit
/// tests of HTTP clients: never a mocked HttpClient.
/// </summary>
public sealed class StubHttpMessageHandler : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, string?, int, HttpResponseMessage> _respond;

    public StubHttpMessageHandler(Func<HttpRequestMessage, string?, int, HttpResponseMessage> respond) => _respond = respond;

    /// <summary>Requests seen, with their bodies.</summary>
    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public static HttpResponseMessage Status(HttpStatusCode status, string? json = null) => new(status)
    {
        Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        int index;
        lock (Requests)
        {
            Requests.Add((request, body));
            index = Requests.Count - 1;
        }

        return _respond(request, body, index);
    }
}
