using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Productboard through its public v1 API. Productboard has no public cohort endpoint, so a cohort is a company
/// (<c>[Amplitude] {cohort}</c>) and membership is each user's one company link: an add creates the user linked to it
/// (<c>POST /users</c>) or, when the user exists, finds it (<c>GET /users</c>) and sets the link and email
/// (<c>PATCH /users/{id}</c>); a remove finds the user and clears the link. Since a user has one company, a workspace serves
/// one sync (<see cref="Exclusivity"/>, refused at definition time). This class only plans; <see cref="ProductboardClient"/>
/// speaks HTTP. The README gives the contract, its sources and what is unverified.
/// </summary>
/// <remarks>
/// Settings: <c>baseUrl</c> (default <c>https://api.productboard.com</c>), <c>requestsPerSecond</c> (default 50, the
/// documented limit per token), <c>companyNamePrefix</c> (default <c>[Amplitude] </c>), <c>partnerId</c> (sent as
/// <c>Productboard-Partner-Id</c>). The secret is the Public API access token. Carried fields: <c>email</c>, <c>externalId</c>.
/// </remarks>
public sealed class ProductboardConnector : HttpConnector, IExclusiveDestination
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
        "Productboard: the link replaces the user's current company, so a workspace serves one sync (a second is refused when it is defined).",
        "Productboard: users are created, or found by external id (the user id unless an external id is carried) and updated, email included.",
        "Productboard: one request per add of a new user; a batch that updates, removes or re-adds users also reads the user list (100 a page) once.",
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

    /// <summary>
    /// A workspace, as far as a definition shows it (the API host and the token's secret), serves one sync: a user has one
    /// company, so a second sync's adds would move the first one's members.
    /// </summary>
    public SyncExclusivity? Exclusivity(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var host = (destination.Setting("baseUrl") ?? DefaultBaseUrl).TrimEnd('/').ToUpperInvariant();
        return new SyncExclusivity(
            $"{TypeName}|{host}|{destination.SecretName ?? destination.Id}",
            "a Productboard user has one company, so one Productboard workspace (API host and access token) can serve one sync");
    }

    /// <inheritdoc/>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var client = Client(destination);
        var name = CompanyName(destination, request.CohortName);
        var externalId = CompanyExternalIdPrefix + request.SyncId;
        ProductboardCompany? company = null;
        if (!string.IsNullOrEmpty(request.ExistingContainerId))
        {
            company = await client.GetCompanyAsync(request.ExistingContainerId, cancellationToken);
        }

        // Found by search when the id was never stored (a Prepare that created the company and then failed) or the company
        // was deleted in Productboard; its members must then be re-sent with a full run (see the README).
        company ??= await FindCompanyAsync(client, name, externalId, cancellationToken);
        if (company is null)
        {
            // A 409 means a create whose answer was lost was sent again: the company exists now, so find it.
            return await client.CreateCompanyAsync(name, externalId, cancellationToken)
                ?? (await FindCompanyAsync(client, name, externalId, cancellationToken))?.Id
                ?? throw new DestinationRejectedException(TypeName, HttpStatusCode.Conflict, "a company with the cohort's external id exists but was not found by name");
        }

        if (!string.Equals(company.Name, name, StringComparison.Ordinal))
        {
            await client.RenameCompanyAsync(company.Id, name, cancellationToken);
        }

        return company.Id;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Keys are not validated again here: Prepare ran <see cref="Validate"/> on every one, and what it refused is not in the
    /// batch. Each member is recorded (<see cref="SendRequest.Settled(int, MemberRejection?)"/>) as soon as Productboard has
    /// answered for it, so a batch that fails partway is retried from its first unanswered member.
    /// </remarks>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.ContainerId))
        {
            throw new ValidationException("a productboard send needs the cohort's company id (the container)");
        }

        var pacer = Pacer(destination, request);
        var client = Client(destination);
        var plan = new ProductboardPlan(client, new ProductboardUserDirectory(client, pacer), request.ContainerId, pacer);
        var rejections = new List<MemberRejection>();
        foreach (var change in request.Members)
        {
            var member = ProductboardMember.From(change);
            var refusal = change.Kind == ChangeKind.Remove
                ? await plan.RemoveAsync(member, cancellationToken)
                : await plan.UpsertAsync(member, createFirst: change.Kind == ChangeKind.Add, cancellationToken);
            var rejection = refusal is null ? null : new MemberRejection(change.Index, refusal);
            request.Settled(change.Index, rejection);
            if (rejection is not null)
            {
                rejections.Add(rejection);
            }
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(rejections, plan.Requests, pacer);
    }

    // The company list has no external-id filter: search by name (the term filter) and match our external id, following
    // links.next, so a company created by a Prepare that failed before storing its id is found rather than duplicated.
    private static async Task<ProductboardCompany?> FindCompanyAsync(ProductboardClient client, string name, string externalId, CancellationToken cancellationToken)
    {
        Uri? next = null;
        for (var page = 0; page < MaxCompanyPages && (page == 0 || next is not null); page++)
        {
            var found = await client.ListCompaniesAsync(name, next, cancellationToken);
            if (found.Items.FirstOrDefault(c => string.Equals(c.ExternalId, externalId, StringComparison.Ordinal)) is { } match)
            {
                return match;
            }

            next = found.Next;
        }

        return null;
    }

    private ProductboardClient Client(DestinationDefinition destination)
    {
        if (destination.SecretName is null)
        {
            throw new ValidationException($"productboard destination '{destination.Id}' needs the access token's secret name (secretName)");
        }

        return new ProductboardClient(
            BaseAddress(destination, _ => DefaultBaseUrl),
            destination.Setting("partnerId"),
            (build, pacer, cancellationToken) => SendVendorRequestAsync(destination, build, pacer, cancellationToken));
    }
}
