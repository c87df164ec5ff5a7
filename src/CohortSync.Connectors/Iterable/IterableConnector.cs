using System.Globalization;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// Keeps an Iterable static list in step with a cohort through the Lists API: finds or creates the list named
/// <c>{listPrefix}{cohort name}</c>, subscribes members who enter and unsubscribes members who leave (with
/// <c>channelUnsubscribe</c> false), and maps <c>failedUpdates</c> to rejected members. It only plans
/// (<see cref="IterableBatchPlan"/>) and settles answers; <see cref="IterableClient"/> talks to Iterable. See README.md
/// beside this file.
/// </summary>
/// <remarks>
/// Settings: <c>region</c> (<c>US</c>, the default, or <c>EU</c>), <c>baseUrl</c> (overrides the region's host),
/// <c>listPrefix</c> (default <c>[Amplitude] </c>), <c>updateExistingUsersOnly</c> (default false),
/// <c>preferUserId</c> (default true), <c>fieldTypes</c> (declared <c>dataFields</c> types, see
/// <see cref="IterableFieldTypes"/>), <c>requestsPerSecond</c> (default 10). The secret is the project's server-side
/// API key, sent as <c>Api-Key</c>.
/// </remarks>
public sealed class IterableConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "iterable";

    /// <summary>The US data center's API host.</summary>
    public const string UsHost = "https://api.iterable.com";

    /// <summary>The EU data center's API host.</summary>
    public const string EuHost = "https://api.eu.iterable.com";

    /// <summary>The list name prefix when the destination sets none.</summary>
    public const string DefaultListPrefix = "[Amplitude] ";

    /// <summary>
    /// Subscribers sent in one request. Iterable documents no cap for subscribe and unsubscribe (a <c>BatchTooLarge</c>
    /// error code exists); 1,000 is the cap other integrations use for its bulk user endpoints.
    /// </summary>
    public const int SubscribersPerRequest = 1000;

    /// <summary>
    /// The request rate when the destination sets no <c>requestsPerSecond</c>. Iterable documents no limit for subscribe
    /// and unsubscribe; 10 a second is its documented limit for the neighbouring bulk endpoint (<c>trackBulk</c>), and the
    /// lowest of its per-project limits that are counted in seconds.
    /// </summary>
    public const double DefaultRate = 10;

    private static readonly KeyKind[] Kinds = [KeyKind.UserId, KeyKind.Email];
    private readonly ILogger<IterableConnector> _logger;

    /// <summary>Creates the connector on a typed client.</summary>
    public IterableConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time, ILogger<IterableConnector> logger)
        : base(http, secrets, limits, time)
    {
        _logger = logger;
    }

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <inheritdoc/>
    protected override double DefaultRequestsPerSecond => DefaultRate;

    /// <summary>The API host of a region setting: <c>US</c> (or none) and <c>EU</c>; null for anything else.</summary>
    public static string? HostForRegion(string? region) => region?.Trim().ToUpperInvariant() switch
    {
        null or "" or "US" => UsHost,
        "EU" => EuHost,
        _ => null,
    };

    /// <summary>The list name for a cohort: the destination's <c>listPrefix</c> (which may be empty) and the cohort's name.</summary>
    public static string ListName(DestinationDefinition destination, string cohortName)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var prefix = destination.Settings.TryGetValue("listPrefix", out var value) && value is not null ? value : DefaultListPrefix;
        return prefix + cohortName;
    }

    /// <inheritdoc/>
    public override DestinationCapabilities Describe(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var notes = new List<string>
        {
            "Iterable: members join the static list named '" + ListName(destination, "<cohort name>") + "'; leaving the cohort unsubscribes them from that list only (channelUnsubscribe false).",
            Flag(destination, "updateExistingUsersOnly", false)
                ? "Iterable: users it does not know are not created (updateExistingUsersOnly); they are rejected as 'not found in Iterable' and tried again next run."
                : "Iterable: users it does not know are created when subscribed.",
            "Iterable: removing a user it does not know counts as done.",
            "Iterable: users it has forgotten (GDPR) are skipped, not rejected: counted as skipped with that reason and not sent again while they stay in the cohort.",
        };
        return new DestinationCapabilities(SubscribersPerRequest, Kinds, notes);
    }

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => key.Kind switch
    {
        KeyKind.UserId => IterableIdentifierRules.CheckUserId(key.Value),
        KeyKind.Email => IterableIdentifierRules.CheckEmail(key.Value),
        _ => "Iterable takes userId or email keys only",
    };

    /// <inheritdoc/>
    public override string? Validate(ResolvedMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return member.Kind == KeyKind.UserId ? IterableIdentifierRules.CheckUserId(member.Value) : base.Validate(member);
    }

    /// <inheritdoc/>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var client = Client(destination);
        _ = IterableFieldTypes.Parse(destination.Setting(IterableFieldTypes.Setting)); // a bad setting fails Prepare, before anything is sent
        var lists = await client.GetListsAsync(cancellationToken);
        if (request.ExistingContainerId is { } existing)
        {
            if (long.TryParse(existing, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && lists.Any(l => l.Id == id))
            {
                return existing;
            }

            _logger.ListMissing(destination.Id, existing, request.SyncId);
        }

        // Names are not unique in Iterable: take the oldest static list with exactly this name, so every run agrees.
        var name = ListName(destination, request.CohortName);
        var match = lists
            .Where(l => string.Equals(l.Name, name, StringComparison.Ordinal) && (l.ListType is null || string.Equals(l.ListType, "Standard", StringComparison.Ordinal)))
            .MinBy(l => l.Id);
        if (match is not null)
        {
            return match.Id.ToString(CultureInfo.InvariantCulture);
        }

        var listId = await client.CreateListAsync(
            new IterableCreateListRequest(name, "Amplitude cohort kept in step by CohortSync (sync " + request.SyncId + ")"), cancellationToken);
        _logger.ListCreated(destination.Id, listId);
        return listId.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var client = Client(destination);
        if (!long.TryParse(request.ContainerId, NumberStyles.None, CultureInfo.InvariantCulture, out var listId))
        {
            throw new DestinationRejectedException(TypeName, null, "the container id is not an Iterable list id");
        }

        var plan = IterableBatchPlan.Of(
            request.Members, IterableFieldTypes.Parse(destination.Setting(IterableFieldTypes.Setting)), Flag(destination, "preferUserId", true));
        var updateExistingUsersOnly = Flag(destination, "updateExistingUsersOnly", false);
        var rejections = new List<MemberRejection>(plan.Rejections);
        request.Settled(plan.Rejections.Select(r => r.Index), plan.Rejections);
        var pacer = Pacer(destination, request);
        var requests = 0;
        var skipped = new List<MemberRejection>();
        foreach (var chunk in plan.Subscribes.Chunk(SubscribersPerRequest))
        {
            var answer = await client.SubscribeAsync(
                new IterableSubscribeRequest(listId, [.. chunk.Select(c => c.Subscriber)], updateExistingUsersOnly), pacer, cancellationToken);
            requests++;
            rejections.AddRange(Settle(destination, request, chunk, answer, unsubscribe: false, skipped));
        }

        foreach (var chunk in plan.Unsubscribes.Chunk(SubscribersPerRequest))
        {
            var answer = await client.UnsubscribeAsync(new IterableUnsubscribeRequest(listId, [.. chunk.Select(c => c.Subscriber)]), pacer, cancellationToken);
            requests++;
            rejections.AddRange(Settle(destination, request, chunk, answer, unsubscribe: true, skipped));
        }

        await pacer.CompleteAsync(cancellationToken);
        rejections.Sort((a, b) => a.Index.CompareTo(b.Index));
        return Result(rejections, requests, pacer) with { Skipped = skipped };
    }

    // Maps one answer and records it as settled at once, so a later request's failure leaves no ghost of this one.
    private IReadOnlyList<MemberRejection> Settle(
        DestinationDefinition destination, SendRequest request, IterablePlannedSubscriber[] chunk, IterableBulkUpdateResponse answer, bool unsubscribe, List<MemberRejection> skipped)
    {
        var outcome = IterableResponseMapper.Map([.. chunk.Select(c => (c.Index, c.Key))], answer, unsubscribe);
        request.Settled(chunk.Select(c => c.Index), outcome.Rejections);
        if (outcome.AbsentOnRemove > 0)
        {
            _logger.AbsentOnRemove(destination.Id, outcome.AbsentOnRemove);
        }

        skipped.AddRange(outcome.Skipped ?? []);
        if (outcome.Forgotten > 0)
        {
            _logger.ForgottenSkipped(destination.Id, outcome.Forgotten);
        }

        if (outcome.Unattributed > 0)
        {
            _logger.UnattributedFailures(destination.Id, outcome.Unattributed);
        }

        return outcome.Rejections;
    }

    private static bool Flag(DestinationDefinition destination, string name, bool fallback) =>
        bool.TryParse(destination.Setting(name), out var value) ? value : fallback;

    private IterableClient Client(DestinationDefinition destination)
    {
        if (destination.SecretName is null)
        {
            throw new ValidationException("an iterable destination needs a secret (secretName) holding the project's server-side API key");
        }

        return new IterableClient(BaseAddress(destination, HostForRegion), (build, pacer, ct) => SendVendorRequestAsync(destination, build, pacer, ct));
    }
}
