using System.Net;
using System.Net.Http.Headers;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// The Productboard v1 Companies &amp; Users API, one method per endpoint: auth headers (<c>Authorization: Bearer</c>,
/// <c>X-Version: 1</c>, optional <c>Productboard-Partner-Id</c>), bodies (<see cref="ProductboardPayloads"/>), answers
/// (<see cref="ProductboardResponses"/>) and errors. Every failure goes through <see cref="HttpStatusMapper"/>, except the
/// user-write refusals a planner decides about (<see cref="ProductboardRefusal"/>). Requests leave through the connector's
/// transport (rate limiter, pacer, secret re-read after a 401); the resilience handler is the one HTTP retry layer.
/// </summary>
public sealed class ProductboardClient
{
    private const string Vendor = ProductboardConnector.TypeName;
    private readonly Uri _base;
    private readonly string? _partnerId;
    private readonly Transport _send;

    /// <summary>Creates the client for one destination.</summary>
    /// <param name="baseAddress">The API root, ending in <c>/</c>.</param>
    /// <param name="partnerId">Sent as <c>Productboard-Partner-Id</c> when set.</param>
    /// <param name="send">Sends a request built from the current token.</param>
    public ProductboardClient(Uri baseAddress, string? partnerId, Transport send)
    {
        _base = baseAddress;
        _partnerId = partnerId;
        _send = send;
    }

    /// <summary>Sends one request, built from the access token, paced by the activity's pacer (null outside a send).</summary>
    public delegate Task<HttpResponseMessage> Transport(Func<string?, HttpRequestMessage> build, SharePacer? pacer, CancellationToken cancellationToken);

    /// <summary><c>GET /users</c> (first page when <paramref name="page"/> is null, else a <c>links.next</c>): 100 users a page.</summary>
    public async Task<ProductboardPage<ProductboardUser>> ListUsersAsync(Uri? page, SharePacer? pacer, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(HttpMethod.Get, page ?? new Uri(_base, "users"), null, pacer, cancellationToken);
        return ProductboardResponses.ReadUserPage(body);
    }

    /// <summary><c>POST /users</c> (create only): <c>{"data":{"externalId","email"?,"company"?}}</c>.</summary>
    public Task<ProductboardWrite> CreateUserAsync(byte[] body, SharePacer? pacer, CancellationToken cancellationToken) =>
        WriteUserAsync(HttpMethod.Post, "users", body, pacer, cancellationToken);

    /// <summary><c>PATCH /users/{id}</c>: sets only the fields sent (<c>company: null</c> unlinks).</summary>
    public Task<ProductboardWrite> UpdateUserAsync(string id, byte[] body, SharePacer? pacer, CancellationToken cancellationToken) =>
        WriteUserAsync(HttpMethod.Patch, "users/" + Uri.EscapeDataString(id), body, pacer, cancellationToken);

    /// <summary><c>GET /companies/{id}</c>; null when it is gone (404).</summary>
    public async Task<ProductboardCompany?> GetCompanyAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, new Uri(_base, "companies/" + Uri.EscapeDataString(id)), null, null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        ThrowIfFailed(response, body);
        return ProductboardResponses.ReadCompany(body);
    }

    /// <summary><c>GET /companies?term=</c> (first page when <paramref name="page"/> is null, else a <c>links.next</c>).</summary>
    public async Task<ProductboardPage<ProductboardCompany>> ListCompaniesAsync(string term, Uri? page, CancellationToken cancellationToken)
    {
        var body = await ReadAsync(HttpMethod.Get, page ?? new Uri(_base, "companies?term=" + Uri.EscapeDataString(term)), null, null, cancellationToken);
        return ProductboardResponses.ReadCompanyPage(body);
    }

    /// <summary><c>POST /companies</c>: the new company's id, or null on a 409 (a company with the external id exists).</summary>
    public async Task<string?> CreateCompanyAsync(string name, string externalId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, new Uri(_base, "companies"), ProductboardPayloads.CreateCompany(name, externalId), null, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        ThrowIfFailed(response, body);
        return ProductboardResponses.ReadCompany(body)?.Id
            ?? throw new RetryableDestinationException(Vendor, response.StatusCode, "the company response had no company id");
    }

    /// <summary><c>PATCH /companies/{id}</c> with a new name.</summary>
    public async Task RenameCompanyAsync(string id, string name, CancellationToken cancellationToken) =>
        await ReadAsync(HttpMethod.Patch, new Uri(_base, "companies/" + Uri.EscapeDataString(id)), ProductboardPayloads.RenameCompany(name), null, cancellationToken);

    private async Task<ProductboardWrite> WriteUserAsync(HttpMethod method, string path, byte[] body, SharePacer? pacer, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, new Uri(_base, path), body, pacer, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return new ProductboardWrite(ProductboardRefusal.None, ProductboardResponses.ReadUser(text)?.Id, null);
        }

        var errors = ProductboardResponses.ReadErrors(text);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Conflict:
                return new ProductboardWrite(ProductboardRefusal.Conflict, null, ProductboardResponses.ConflictReason(errors));
            case HttpStatusCode.NotFound:
                return new ProductboardWrite(ProductboardRefusal.NotFound, null, null);
            case HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity
                when ProductboardResponses.FieldRefusalReason(response.StatusCode, errors) is { } reason:
                return new ProductboardWrite(ProductboardRefusal.Field, null, reason);
            default:
                HttpStatusMapper.ThrowIfFailed(Vendor, response, ProductboardResponses.FirstCode(errors));
                throw new InvalidOperationException("unreachable: a failed response was not mapped");
        }
    }

    private async Task<string> ReadAsync(HttpMethod method, Uri uri, byte[]? body, SharePacer? pacer, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, uri, body, pacer, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        ThrowIfFailed(response, text);
        return text;
    }

    private static void ThrowIfFailed(HttpResponseMessage response, string body)
    {
        if (!response.IsSuccessStatusCode)
        {
            HttpStatusMapper.ThrowIfFailed(Vendor, response, ProductboardResponses.FirstCode(ProductboardResponses.ReadErrors(body)));
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, byte[]? body, SharePacer? pacer, CancellationToken cancellationToken) =>
        _send(
            token =>
            {
                var message = new HttpRequestMessage(method, uri);
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                message.Headers.Add(ProductboardConnector.VersionHeader, "1");
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (_partnerId is not null)
                {
                    message.Headers.Add(ProductboardConnector.PartnerHeader, _partnerId);
                }

                if (body is not null)
                {
                    message.Content = new ByteArrayContent(body);
                    message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }

                return message;
            },
            pacer,
            cancellationToken);
}
