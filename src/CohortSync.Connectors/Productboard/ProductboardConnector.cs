using System.Net;
using System.Net.Http.Headers;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Productboard through its public v1 API (<c>Authorization: Bearer</c>, <c>X-Version: 1</c>). Productboard has no public
/// cohort endpoint, so a cohort is a company (<c>[Amplitude] {cohort}</c>) and membership is each user's link to it: an add
/// upserts the user (<c>POST /users</c>, merged on external id and email) linked to the company; a remove finds the user
/// and clears the link if it still points at this cohort. The README gives the reasons and what is unverified.
/// </summary>
/// <remarks>
/// Settings: <c>baseUrl</c> (default <c>https://api.productboard.com</c>), <c>requestsPerSecond</c> (default 50, the
/// documented limit per token), <c>companyNamePrefix</c> (default <c>[Amplitude] </c>), <c>partnerId</c> (sent as
/// <c>Productboard-Partner-Id</c>). The secret is the Public API access token. Carried fields: <c>email</c>, <c>externalId</c>.
/// </remarks>
public sealed class ProductboardConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "productboard";

    /// <summary>The public API host.</summary>
    public const string DefaultBaseUrl = "https://api.productboard.com";

    /// <summary>The documented limit: 50 requests a second per access token.</summary>
    public const double DocumentedRequestsPerSecond = 50;

    /// <summary>
    /// Changes per batch. Productboard takes one user per request, so a batch of 200 is 200 requests: about 17 s for one of
    /// the workflow's four concurrent sends at its quarter of 50 requests a second. Short enough that a retried batch
    /// re-sends little, long enough that per-batch overhead (storage reads and writes) stays small.
    /// </summary>
    public const int MaxBatchSize = 200;

    /// <summary>The default prefix of the cohort company's name.</summary>
    public const string DefaultCompanyNamePrefix = "[Amplitude] ";

    /// <summary>The prefix of the cohort company's external id, followed by the sync id.</summary>
    public const string CompanyExternalIdPrefix = "cohortsync:";

    /// <summary>The version header every v1 request carries.</summary>
    public const string VersionHeader = "X-Version";

    /// <summary>The optional header naming the integration the data came through.</summary>
    public const string PartnerHeader = "Productboard-Partner-Id";

    // The company search follows at most this many pages (100 companies each) before creating a new company.
    private const int MaxCompanyPages = 50;

    private static readonly KeyKind[] Kinds = [KeyKind.UserId];

    private static readonly IReadOnlyList<string> CapabilityNotes =
    [
        "Productboard: a cohort is a company named after it; each member is a user linked to that company (Productboard has no public cohort endpoint).",
        "Productboard: the link replaces the user's current company, so a user is in at most one cohort per workspace; the latest add wins.",
        "Productboard: unknown users are created, merged on external id (the user id unless an external id is carried) and email.",
        "Productboard: one request per add or update, two per remove.",
    ];

    /// <summary>Creates the connector on its typed client.</summary>
    public ProductboardConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time)
        : base(http, secrets, limits, time)
    {
    }

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    protected override double DefaultRequestsPerSecond => DocumentedRequestsPerSecond;

    /// <inheritdoc/>
    public override DestinationCapabilities Describe(DestinationDefinition destination) => new(MaxBatchSize, Kinds, CapabilityNotes);

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => ProductboardValidator.Validate(key, payload);

    /// <summary>The cohort company's name for a destination and cohort.</summary>
    public static string CompanyName(DestinationDefinition destination, string cohortName)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return (destination.Settings.TryGetValue("companyNamePrefix", out var prefix) ? prefix : DefaultCompanyNamePrefix) + cohortName;
    }

    /// <inheritdoc/>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        RequireSecret(destination);
        var name = CompanyName(destination, request.CohortName);
        var externalId = CompanyExternalIdPrefix + request.SyncId;
        ProductboardCompany? company = null;
        if (!string.IsNullOrEmpty(request.ExistingContainerId))
        {
            company = await GetCompanyAsync(destination, request.ExistingContainerId, cancellationToken);
        }

        // Found by search when the id was never stored (a Prepare that created the company and then failed) or the company
        // was deleted in Productboard; its members must then be re-sent with a full run (see the README).
        company ??= await FindCompanyAsync(destination, name, externalId, cancellationToken);
        if (company is null)
        {
            return await CreateCompanyAsync(destination, name, externalId, cancellationToken);
        }

        if (!string.Equals(company.Name, name, StringComparison.Ordinal))
        {
            using var renamed = await CallAsync(destination, HttpMethod.Patch, "companies/" + Uri.EscapeDataString(company.Id), ProductboardPayloads.RenameCompany(name), null, cancellationToken);
            await ThrowIfFailedAsync(renamed, cancellationToken);
        }

        return company.Id;
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        RequireSecret(destination);
        if (string.IsNullOrEmpty(request.ContainerId))
        {
            throw new ValidationException("a productboard send needs the cohort's company id (the container)");
        }

        var pacer = Pacer(destination, request);
        var rejections = new List<MemberRejection>();
        var requests = 0;
        for (var i = 0; i < request.Changes.Count; i++)
        {
            var change = request.Changes[i];
            var member = ProductboardMember.From(change.Entry);
            var (refusal, calls) = await SendMemberAsync(async () => change.Kind == ChangeKind.Remove
                ? await UnlinkAsync(destination, member, request.ContainerId, pacer, cancellationToken)
                : (await LinkAsync(destination, member, request.ContainerId, pacer, cancellationToken), 1));
            requests += calls;
            var rejection = refusal is null ? null : new MemberRejection(i, refusal);
            request.Settled(i, rejection);
            if (rejection is not null)
            {
                rejections.Add(rejection);
            }
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(rejections, requests, pacer);
    }

    // Add or update: one upsert carrying the company link. Returns the refusal reason, or null when accepted.
    private async Task<string?> LinkAsync(DestinationDefinition destination, ProductboardMember member, string companyId, SharePacer pacer, CancellationToken cancellationToken)
    {
        using var response = await CallAsync(destination, HttpMethod.Post, "users", ProductboardPayloads.LinkUser(member, companyId), pacer, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var errors = ProductboardResponses.ReadErrors(await response.Content.ReadAsStringAsync(cancellationToken));
        switch (response.StatusCode)
        {
            case HttpStatusCode.Conflict:
                return ProductboardResponses.ConflictReason(errors);
            case HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity
                when ProductboardResponses.FieldRefusalReason(response.StatusCode, errors) is { } reason:
                return reason;
            case HttpStatusCode.NotFound:
                // The company was deleted under the sync: every member would fail the same way, so fail the batch (it stays
                // pending) rather than rejecting members one by one; the next run's Prepare creates the company again.
                throw new DestinationRejectedException(TypeName, response.StatusCode, "the cohort's company no longer exists", ProductboardResponses.FirstCode(errors));
            default:
                HttpStatusMapper.ThrowIfFailed(TypeName, response, ProductboardResponses.FirstCode(errors));
                return null;
        }
    }

    // Remove: find the user by its external id, then clear the link only if it still points at this cohort (a later add to
    // another cohort moved the user, and that membership is not ours to undo). A user unknown to Productboard is created by
    // the find and deleted again at once: there is nothing to remove, which is not an error.
    private async Task<(string? Refusal, int Requests)> UnlinkAsync(DestinationDefinition destination, ProductboardMember member, string companyId, SharePacer pacer, CancellationToken cancellationToken)
    {
        ProductboardUser? user;
        bool created;
        using (var found = await CallAsync(destination, HttpMethod.Post, "users", ProductboardPayloads.FindUser(member.MergeKey), pacer, cancellationToken))
        {
            var body = await found.Content.ReadAsStringAsync(cancellationToken);
            if (!found.IsSuccessStatusCode)
            {
                var errors = ProductboardResponses.ReadErrors(body);
                if (found.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity
                    && ProductboardResponses.FieldRefusalReason(found.StatusCode, errors) is { } reason)
                {
                    return (reason, 1);
                }

                HttpStatusMapper.ThrowIfFailed(TypeName, found, ProductboardResponses.FirstCode(errors));
            }

            user = ProductboardResponses.ReadUser(body)
                ?? throw new RetryableDestinationException(TypeName, found.StatusCode, "the user response had no user id");
            created = found.StatusCode == HttpStatusCode.Created;
        }

        if (created)
        {
            using var deleted = await CallAsync(destination, HttpMethod.Delete, "users/" + Uri.EscapeDataString(user.Id), null, pacer, cancellationToken);
            await ThrowIfFailedAsync(deleted, cancellationToken, HttpStatusCode.NotFound);
            return (null, 2);
        }

        if (!string.Equals(user.CompanyId, companyId, StringComparison.Ordinal))
        {
            return (null, 1);
        }

        using var unlinked = await CallAsync(destination, HttpMethod.Patch, "users/" + Uri.EscapeDataString(user.Id), ProductboardPayloads.UnlinkCompany(), pacer, cancellationToken);
        await ThrowIfFailedAsync(unlinked, cancellationToken, HttpStatusCode.NotFound);
        return (null, 2);
    }

    private async Task<ProductboardCompany?> GetCompanyAsync(DestinationDefinition destination, string id, CancellationToken cancellationToken)
    {
        using var response = await CallAsync(destination, HttpMethod.Get, "companies/" + Uri.EscapeDataString(id), null, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await ThrowIfFailedAsync(response, cancellationToken);
        return ProductboardResponses.ReadCompany(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    // The company list has no external-id filter: search by name (the term filter) and match our external id, following
    // links.next, so a company created by a Prepare that failed before storing its id is found rather than duplicated.
    private async Task<ProductboardCompany?> FindCompanyAsync(DestinationDefinition destination, string name, string externalId, CancellationToken cancellationToken)
    {
        var address = "companies?term=" + Uri.EscapeDataString(name);
        for (var page = 0; page < MaxCompanyPages && address is not null; page++)
        {
            using var response = await CallAsync(destination, HttpMethod.Get, address, null, null, cancellationToken);
            await ThrowIfFailedAsync(response, cancellationToken);
            var (companies, next) = ProductboardResponses.ReadCompanyPage(await response.Content.ReadAsStringAsync(cancellationToken));
            if (companies.FirstOrDefault(c => string.Equals(c.ExternalId, externalId, StringComparison.Ordinal)) is { } match)
            {
                return match;
            }

            address = next?.ToString();
        }

        return null;
    }

    private async Task<string> CreateCompanyAsync(DestinationDefinition destination, string name, string externalId, CancellationToken cancellationToken)
    {
        using var response = await CallAsync(destination, HttpMethod.Post, "companies", ProductboardPayloads.CreateCompany(name, externalId), null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // A create whose answer was lost and was sent again: the company exists now, so find it.
            return (await FindCompanyAsync(destination, name, externalId, cancellationToken))?.Id
                ?? throw new DestinationRejectedException(TypeName, response.StatusCode, "a company with the cohort's external id exists but was not found by name");
        }

        await ThrowIfFailedAsync(response, cancellationToken);
        return ProductboardResponses.ReadCompany(await response.Content.ReadAsStringAsync(cancellationToken))?.Id
            ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "the company response had no company id");
    }

    // One vendor request: the address is relative to the destination's base URL (links.next comes back absolute).
    private Task<HttpResponseMessage> CallAsync(DestinationDefinition destination, HttpMethod method, string address, byte[]? body, SharePacer? pacer, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseAddress(destination, _ => DefaultBaseUrl), address);
        var partner = destination.Setting("partnerId");
        return SendVendorRequestAsync(
            destination,
            token =>
            {
                var message = new HttpRequestMessage(method, uri);
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                message.Headers.Add(VersionHeader, "1");
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (partner is not null)
                {
                    message.Headers.Add(PartnerHeader, partner);
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

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken, HttpStatusCode? alsoFine = null)
    {
        if (response.IsSuccessStatusCode || response.StatusCode == alsoFine)
        {
            return;
        }

        var errors = ProductboardResponses.ReadErrors(await response.Content.ReadAsStringAsync(cancellationToken));
        HttpStatusMapper.ThrowIfFailed(TypeName, response, ProductboardResponses.FirstCode(errors));
    }

    private static void RequireSecret(DestinationDefinition destination)
    {
        if (destination.SecretName is null)
        {
            throw new ValidationException($"productboard destination '{destination.Id}' needs the access token's secret name (secretName)");
        }
    }
}
