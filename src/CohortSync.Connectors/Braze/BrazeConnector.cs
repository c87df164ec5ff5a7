using System.Globalization;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// Braze. It only plans: a batch's members become <c>/users/track</c> attribute writes (the default: an array attribute of
/// cohort names, or one boolean attribute per cohort, with the customer's REST API key) or partner cohort import changes
/// (<c>mode: partnerCohort</c>, a technology partner's keys), and <see cref="BrazeClient"/> sends them. Settings:
/// <see cref="BrazeSettings"/>. See <c>Braze/README.md</c> for the contract, its sources and what is UNVERIFIED.
/// </summary>
public sealed class BrazeConnector : HttpConnector, IValidatesDestinationSettings
{
    /// <summary>The type name.</summary>
    public const string TypeName = "braze";

    /// <summary>The prefix of the partner cohort id derived from the sync id.</summary>
    public const string CohortIdPrefix = "cohortsync-";

    /// <summary>
    /// The largest partner-mode batch: ten requests of 1,000. A batch is the engine's unit of storage work and of retry; ten
    /// requests a batch spread its storage reads and writes thin enough for the sends to reach the rate limit.
    /// </summary>
    public const int MaxBatchSize = 10 * BrazeCohortChanges.MaxIdentifiersPerRequest;

    /// <summary>The largest attribute-mode batch: forty <c>/users/track</c> requests of 75 objects.</summary>
    public const int MaxTrackBatchSize = 40 * BrazeTrackPlan.MaxObjectsPerRequest;

    /// <summary><c>/users/track</c>'s documented limit: 3,000 requests per three seconds per workspace.</summary>
    public const double TrackRequestsPerSecond = 3_000 / 3.0;

    private readonly BrazeOptions _options;
    private readonly BrazeClient _client;
    private readonly ILogger<BrazeConnector> _logger;

    /// <summary>Creates the connector on a typed client.</summary>
    public BrazeConnector(
        HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time, IOptions<BrazeOptions> options, ILogger<BrazeConnector> logger)
        : base(http, secrets, limits, time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _client = new BrazeClient(SendVendorRequestAsync, secrets, _options);
    }

    /// <summary>What the run report says about every partner-mode run.</summary>
    public static IReadOnlyList<string> Notes { get; } =
    [
        "Braze adds only users who already exist; unknown ids are ignored silently and counted as accepted by Braze.",
        "Braze matches device ids to anonymous users only; identified users need their external id or alias.",
    ];

    /// <summary>What the run report says about every attribute-mode run.</summary>
    public static IReadOnlyList<string> TrackNotes { get; } =
    [
        "Braze bills one data point per custom attribute write: every member added or removed costs one; updates are not sent.",
        "Braze updates only users who already exist unless createUsers is true; unknown ids are ignored silently and counted as accepted by Braze.",
    ];

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    protected override double DefaultRequestsPerSecond => _options.RequestsPerHour / 3600.0;

    /// <summary>The partner cohort id for a sync: stable, so every run and every host names the same cohort.</summary>
    public static string CohortIdFor(string syncId) => CohortIdPrefix + syncId;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, string[]> ValidateSettings(DestinationDefinition destination) => BrazeSettings.Check(destination);

    /// <inheritdoc/>
    // Partner mode: five 1,000-id requests a batch (bench/CohortSync.DeliveryBench). Attribute modes: twenty requests of 75.
    public override DestinationCapabilities Describe(DestinationDefinition destination) =>
        BrazeSettings.Read(destination).Mode == BrazeMembershipMode.PartnerCohort
            ? new(MaxBatchSize, BrazeIdentifierRules.PartnerKinds, Notes, PreferredBatchSize: 5 * BrazeCohortChanges.MaxIdentifiersPerRequest)
            : new(MaxTrackBatchSize, BrazeIdentifierRules.TrackKinds, TrackNotes, PreferredBatchSize: 20 * BrazeTrackPlan.MaxObjectsPerRequest);

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => BrazeIdentifierRules.Check(key);

    /// <inheritdoc/>
    public override string? Validate(ResolvedMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return BrazeIdentifierRules.Check(member.Kind, member.Value, member.Label);
    }

    /// <summary>
    /// Partner mode names the cohort (Braze's cohort-name call creates it, or renames it; sent every run, one request).
    /// Attribute modes create nothing: the container is the cohort's value in the array (its name when first synced, kept
    /// afterwards so a rename does not orphan the members' values) or its boolean attribute (<c>{prefix}{syncId}</c>).
    /// </summary>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var settings = BrazeSettings.Read(destination);
        var name = string.IsNullOrWhiteSpace(request.CohortName) ? request.SyncId : request.CohortName.Trim();
        switch (settings.Mode)
        {
            case BrazeMembershipMode.ArrayAttribute:
                return string.IsNullOrEmpty(request.ExistingContainerId) ? name : request.ExistingContainerId;
            case BrazeMembershipMode.BooleanAttribute:
                return string.IsNullOrEmpty(request.ExistingContainerId) ? settings.FlagAttribute(request.SyncId) : request.ExistingContainerId;
        }

        var (baseAddress, cluster) = Endpoint(destination);
        var cohortId = string.IsNullOrEmpty(request.ExistingContainerId) ? CohortIdFor(request.SyncId) : request.ExistingContainerId;
        await _client.NameCohortAsync(destination, baseAddress, cluster, settings.PartnerName!, cohortId, name, FormatTime(request.CreatedAt), cancellationToken);
        return cohortId;
    }

    /// <inheritdoc/>
    public override Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var settings = BrazeSettings.Read(destination);
        return settings.Mode == BrazeMembershipMode.PartnerCohort
            ? SendPartnerAsync(destination, settings, request, cancellationToken)
            : SendTrackAsync(destination, settings, request, cancellationToken);
    }

    /// <summary>Formats a time as Braze's <c>created_at</c>: ISO-8601 with milliseconds and offset.</summary>
    public static string FormatTime(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private async Task<SendResult> SendTrackAsync(DestinationDefinition destination, BrazeSettings settings, SendRequest request, CancellationToken cancellationToken)
    {
        // The limiter and pacer take the destination's requestsPerSecond: /users/track's own limit unless it sets one.
        destination = WithDefaultRate(destination, TrackRequestsPerSecond);
        var (baseAddress, _) = Endpoint(destination);
        var containerId = string.IsNullOrEmpty(request.ContainerId)
            ? (settings.Mode == BrazeMembershipMode.BooleanAttribute ? settings.FlagAttribute(request.SyncId) : request.SyncId)
            : request.ContainerId;
        var plan = BrazeTrackPlan.Plan(request.Members, settings, containerId);
        var rejections = new List<MemberRejection>(plan.Rejections);
        request.Settled(plan.Unchanged.Concat(plan.Rejections.Select(r => r.Index)), plan.Rejections);
        var pacer = Pacer(destination, request);
        var dataPoints = 0;
        foreach (var part in plan.Requests)
        {
            var errors = await _client.TrackAsync(destination, baseAddress, part.Attributes, pacer, cancellationToken);
            var refused = errors.Select(e => new MemberRejection(part.Indexes[e.Index], e.Reason)).ToList();
            request.Settled(part.Indexes, refused);
            rejections.AddRange(refused);
            dataPoints += part.Attributes.Count - refused.Count;
        }

        await pacer.CompleteAsync(cancellationToken);
        BrazeLogs.DataPointsWritten(_logger, destination.Id, request.SyncId, request.BatchNumber, dataPoints, plan.Requests.Count);
        return Result(rejections, plan.Requests.Count, pacer) with { DataPoints = dataPoints };
    }

    private async Task<SendResult> SendPartnerAsync(DestinationDefinition destination, BrazeSettings settings, SendRequest request, CancellationToken cancellationToken)
    {
        var (baseAddress, cluster) = Endpoint(destination);
        var cohortId = string.IsNullOrEmpty(request.ContainerId) ? CohortIdFor(request.SyncId) : request.ContainerId;
        var plan = BrazeCohortChanges.Plan(request.Members);
        request.Settled(plan.Rejections.Select(r => r.Index), plan.Rejections);
        var pacer = Pacer(destination, request);
        foreach (var part in plan.Requests)
        {
            await _client.UpdateCohortUsersAsync(destination, baseAddress, cluster, settings.PartnerName!, cohortId, part.Changes, pacer, cancellationToken);
            request.Settled(part.Indexes);
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(plan.Rejections, plan.Requests.Count, pacer);
    }

    private static DestinationDefinition WithDefaultRate(DestinationDefinition destination, double requestsPerSecond) =>
        destination.Setting("requestsPerSecond") is not null
            ? destination
            : destination with
            {
                Settings = new Dictionary<string, string>(destination.Settings, StringComparer.Ordinal)
                {
                    ["requestsPerSecond"] = requestsPerSecond.ToString(CultureInfo.InvariantCulture),
                },
            };

    private static (Uri BaseAddress, BrazeCluster Cluster) Endpoint(DestinationDefinition destination)
    {
        if (!BrazeCluster.TryParse(destination.Setting("cluster"), out var cluster))
        {
            throw new Core.Errors.ValidationException($"braze destination '{destination.Id}' needs a 'cluster' setting: one of {BrazeCluster.Names}");
        }

        return (BaseAddress(destination, _ => cluster.Host), cluster);
    }
}
