using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Options;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// Braze partner cohort import. The cohort is created (or renamed) with <c>POST {cluster}/partners/{partner}/cohorts</c>,
/// and members are added and removed with <c>POST {cluster}/partners/{partner}/cohorts/users</c>, at most 1,000
/// identifiers a request. Both authenticate in the body: CohortSync's partner API key for the cluster's region
/// (<see cref="BrazeOptions"/>) and the customer's Data Import Key (the destination's secret) as <c>client_secret</c>.
/// Settings: <c>cluster</c> (<c>US-01</c> … <c>US-08</c>, <c>EU-01</c>, <c>EU-02</c>, <c>AU-01</c>), and optionally
/// <c>baseUrl</c> (overrides the cluster's host) and <c>requestsPerSecond</c>.
/// </summary>
/// <remarks>
/// Braze reports nothing per identifier: an id that matches no existing profile is ignored, and a device id matches
/// anonymous profiles only. So a batch Braze accepts is accepted whole, and the run report says so (see
/// <see cref="Notes"/>). See <c>Braze/README.md</c> for the contract and what is UNVERIFIED.
/// </remarks>
public sealed class BrazeConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "braze";

    /// <summary>The prefix of the cohort id derived from the sync id.</summary>
    public const string CohortIdPrefix = "cohortsync-";

    /// <summary>
    /// The largest batch: ten requests of 1,000. A batch is the engine's unit of storage work and of retry; ten requests a
    /// batch spread its storage reads and writes thin enough for the sends to reach the rate limit. A batch retried after
    /// some of its requests landed sends those again, which Braze's set semantics make harmless.
    /// </summary>
    public const int MaxBatchSize = 10 * BrazeCohortChanges.MaxIdentifiersPerRequest;

    private readonly BrazeOptions _options;

    /// <summary>Creates the connector on a typed client.</summary>
    public BrazeConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time, IOptions<BrazeOptions> options)
        : base(http, secrets, limits, time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <summary>What the run report says about every Braze run.</summary>
    public static IReadOnlyList<string> Notes { get; } =
    [
        "Braze adds only users who already exist; unknown ids are ignored silently and counted as accepted by Braze.",
        "Braze matches device ids to anonymous users only; identified users need their external id or alias.",
    ];

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    protected override double DefaultRequestsPerSecond => _options.RequestsPerHour / 3600.0;

    /// <summary>The cohort id for a sync: stable, so every run and every host names the same cohort.</summary>
    public static string CohortIdFor(string syncId) => CohortIdPrefix + syncId;

    /// <inheritdoc/>
    // Five 1,000-id requests a batch: with one request a batch, the per-batch state-store work took 13% of each send
    // slot and kept a run at 83-88% of Braze's limit (bench/CohortSync.DeliveryBench).
    public override DestinationCapabilities Describe(DestinationDefinition destination) =>
        new(MaxBatchSize, BrazeIdentifierRules.Kinds, Notes, PreferredBatchSize: 5 * BrazeCohortChanges.MaxIdentifiersPerRequest);

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => BrazeIdentifierRules.Check(key);

    /// <summary>
    /// Names the cohort: Braze's cohort-name call creates it the first time and renames it when the cohort's name changed.
    /// It is sent every run (one request), since CohortSync does not know whether the name changed since the last one.
    /// </summary>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = Endpoint(destination);
        var cohortId = string.IsNullOrEmpty(request.ExistingContainerId) ? CohortIdFor(request.SyncId) : request.ExistingContainerId;
        var name = string.IsNullOrWhiteSpace(request.CohortName) ? request.SyncId : request.CohortName.Trim();
        var createdAt = FormatTime(request.CreatedAt);
        await SendBrazeAsync(
            destination,
            endpoint,
            "cohorts",
            (partnerKey, clientSecret) => BrazeJson.Serialize(new BrazeCohortRequest(partnerKey, clientSecret, cohortId, name, createdAt)),
            pacer: null,
            identifiers: [],
            cancellationToken);
        return cohortId;
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = Endpoint(destination);
        var cohortId = string.IsNullOrEmpty(request.ContainerId) ? CohortIdFor(request.SyncId) : request.ContainerId;
        var plan = BrazeCohortChanges.Plan(request.Changes);
        request.Settled(plan.Rejections.Select(r => r.Index), plan.Rejections);
        var pacer = Pacer(destination, request);
        var requests = 0;
        foreach (var part in plan.Requests)
        {
            await SendBrazeAsync(
                destination,
                endpoint,
                "cohorts/users",
                (partnerKey, clientSecret) => BrazeJson.Serialize(new BrazeCohortUsersRequest(partnerKey, clientSecret, cohortId, part.Changes)),
                pacer,
                part.Changes.SelectMany(c => c.UserIds.Concat(c.DeviceIds).Concat(c.Aliases.Select(a => a.AliasName))),
                cancellationToken);
            request.Settled(part.Indexes);
            requests++;
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(plan.Rejections, requests, pacer);
    }

    /// <summary>Formats a time as Braze's <c>created_at</c>: ISO-8601 with milliseconds and offset.</summary>
    public static string FormatTime(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends one request and maps a failure. A 401 "Invalid Partner API key" re-reads the partner key once (the base class
    /// has already re-read the Data Import Key), so either key can be rotated without a restart.
    /// </summary>
    private async Task SendBrazeAsync(
        DestinationDefinition destination,
        Endpoint endpoint,
        string path,
        Func<string, string, byte[]> body,
        SharePacer? pacer,
        IEnumerable<string> identifiers,
        CancellationToken cancellationToken)
    {
        if (destination.SecretName is null)
        {
            throw new ValidationException($"braze destination '{destination.Id}' needs the customer's Data Import Key as its secret (secretName)");
        }

        var partnerKeyName = endpoint.Cluster.KeyRegion == BrazeKeyRegion.Eu ? _options.EuPartnerKeySecret : _options.UsPartnerKeySecret;
        var uri = new Uri(endpoint.BaseAddress, $"partners/{_options.PartnerName}/{path}");
        for (var attempt = 0; ; attempt++)
        {
            var partnerKey = await Secrets.GetSecretAsync(partnerKeyName, cancellationToken);
            string? clientSecret = null;
            using var response = await SendVendorRequestAsync(
                destination,
                secret =>
                {
                    clientSecret = secret!;
                    var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body(partnerKey, clientSecret)) };
                    message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    return message;
                },
                pacer,
                cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var vendorMessage = await BrazeErrors.ReadMessageAsync(response, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && BrazeErrors.Is(vendorMessage, BrazeErrors.InvalidPartnerKey))
            {
                Secrets.Invalidate(partnerKeyName);
                continue;
            }

            HttpStatusMapper.ThrowIfFailed(TypeName, response, BrazeErrors.Describe(vendorMessage, identifiers.Prepend(clientSecret).Prepend(partnerKey)));
        }
    }

    private static Endpoint Endpoint(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!BrazeCluster.TryParse(destination.Setting("cluster"), out var cluster))
        {
            throw new ValidationException($"braze destination '{destination.Id}' needs a 'cluster' setting: one of {BrazeCluster.Names}");
        }

        return new Endpoint(BaseAddress(destination, _ => cluster.Host), cluster);
    }
}

/// <summary>Where a destination's requests go, and which partner key they carry.</summary>
internal sealed record Endpoint(Uri BaseAddress, BrazeCluster Cluster);
