using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;
using Microsoft.Extensions.Logging;

namespace CohortSync.Connectors.Iterable;

/// <summary>
/// Keeps an Iterable static list in step with a cohort through the Lists API: finds or creates the list named
/// <c>{listPrefix}{cohort name}</c>, subscribes members who enter and unsubscribes members who leave (with
/// <c>channelUnsubscribe</c> false), and maps <c>failedUpdates</c> to rejected members. See README.md beside this file.
/// </summary>
/// <remarks>
/// Settings: <c>region</c> (<c>US</c>, the default, or <c>EU</c>), <c>baseUrl</c> (overrides the region's host),
/// <c>listPrefix</c> (default <c>[Amplitude] </c>), <c>updateExistingUsersOnly</c> (default false),
/// <c>preferUserId</c> (default true), <c>requestsPerSecond</c> (default 10). The secret is the project's server-side
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
    private static readonly MediaTypeHeaderValue JsonType = new("application/json") { CharSet = "utf-8" };
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
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var baseUri = Base(destination);
        var lists = await GetListsAsync(destination, baseUri, cancellationToken);
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

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new IterableCreateListRequest(name, "Amplitude cohort kept in step by CohortSync (sync " + request.SyncId + ")"),
            IterableJson.Options);
        using var response = await SendVendorRequestAsync(destination, secret => Post(new Uri(baseUri, "api/lists"), secret, body), null, cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        var created = await ReadAsync<IterableCreateListResponse>(response, cancellationToken);
        var listId = created?.ListId ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "the create-list answer has no listId");
        _logger.ListCreated(destination.Id, listId);
        return listId.ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(request);
        var baseUri = Base(destination);
        if (!long.TryParse(request.ContainerId, NumberStyles.None, CultureInfo.InvariantCulture, out var listId))
        {
            throw new DestinationRejectedException(TypeName, null, "the container id is not an Iterable list id");
        }

        var updateExistingUsersOnly = Flag(destination, "updateExistingUsersOnly", false);
        var preferUserId = Flag(destination, "preferUserId", true);
        var rejections = new List<MemberRejection>();
        var subscribes = new List<(int Index, DestinationKey Key, IterableSubscriber Subscriber)>();
        var unsubscribes = new List<(int Index, DestinationKey Key, IterableSubscriber Subscriber)>();
        for (var i = 0; i < request.Changes.Count; i++)
        {
            var change = request.Changes[i];
            var key = DestinationKey.Decode(change.Entry.Key);
            if (key.Kind is not (KeyKind.UserId or KeyKind.Email))
            {
                rejections.Add(new MemberRejection(i, "Iterable takes userId or email keys only"));
            }
            else if (change.Kind == ChangeKind.Remove)
            {
                unsubscribes.Add((i, key, Identify(key)));
            }
            else
            {
                subscribes.Add((i, key, Subscriber(key, change.Entry.Payload, preferUserId)));
            }
        }

        request.Settled(rejections.Select(r => r.Index), rejections);
        var pacer = Pacer(destination, request);
        var requests = 0;
        foreach (var chunk in subscribes.Chunk(SubscribersPerRequest))
        {
            var body = new IterableSubscribeRequest(listId, chunk.Select(c => c.Subscriber).ToList(), updateExistingUsersOnly);
            var refused = await UpdateAsync(destination, new Uri(baseUri, "api/lists/subscribe"), body, chunk, unsubscribe: false, pacer, cancellationToken);
            request.Settled(chunk.Select(c => c.Index), refused);
            rejections.AddRange(refused);
            requests++;
        }

        foreach (var chunk in unsubscribes.Chunk(SubscribersPerRequest))
        {
            var body = new IterableUnsubscribeRequest(listId, chunk.Select(c => c.Subscriber).ToList());
            var refused = await UpdateAsync(destination, new Uri(baseUri, "api/lists/unsubscribe"), body, chunk, unsubscribe: true, pacer, cancellationToken);
            request.Settled(chunk.Select(c => c.Index), refused);
            rejections.AddRange(refused);
            requests++;
        }

        await pacer.CompleteAsync(cancellationToken);
        rejections.Sort((a, b) => a.Index.CompareTo(b.Index));
        return Result(rejections, requests, pacer);
    }

    /// <summary>
    /// The subscriber for an add or update: the key (a user id with <c>preferUserId</c> when asked, or an email) and the
    /// carried fields as <c>dataFields</c>. Carried <c>email</c> and <c>userId</c> are left out: they are Iterable's
    /// identifiers, and sending both ids would let an email-based project overwrite the user id.
    /// </summary>
    public static IterableSubscriber Subscriber(DestinationKey key, string? payload, bool preferUserId)
    {
        var fields = MemberPayload.Decode(payload)
            .Where(f => !f.Key.Equals("email", StringComparison.OrdinalIgnoreCase) && !f.Key.Equals("userId", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var dataFields = fields.Count == 0 ? null : fields;
        return key.Kind == KeyKind.Email
            ? new IterableSubscriber(key.Value, null, dataFields)
            : new IterableSubscriber(null, key.Value, dataFields, preferUserId ? true : null);
    }

    private static IterableSubscriber Identify(DestinationKey key) =>
        key.Kind == KeyKind.Email ? new IterableSubscriber(key.Value, null) : new IterableSubscriber(null, key.Value);

    private static bool Flag(DestinationDefinition destination, string name, bool fallback) =>
        bool.TryParse(destination.Setting(name), out var value) ? value : fallback;

    private static Uri Base(DestinationDefinition destination)
    {
        if (destination.SecretName is null)
        {
            throw new ValidationException("an iterable destination needs a secret (secretName) holding the project's server-side API key");
        }

        return BaseAddress(destination, HostForRegion);
    }

    private static HttpRequestMessage Post(Uri uri, string? secret, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = JsonType;
        message.Headers.TryAddWithoutValidation("Api-Key", secret);
        return message;
    }

    private async Task<IReadOnlyList<IterableList>> GetListsAsync(DestinationDefinition destination, Uri baseUri, CancellationToken cancellationToken)
    {
        using var response = await SendVendorRequestAsync(
            destination,
            secret =>
            {
                var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "api/lists"));
                message.Headers.TryAddWithoutValidation("Api-Key", secret);
                return message;
            },
            null,
            cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        var lists = await ReadAsync<IterableListsResponse>(response, cancellationToken);
        return lists?.Lists ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "the list-lists answer has no lists");
    }

    private async Task<IReadOnlyList<MemberRejection>> UpdateAsync<TBody>(
        DestinationDefinition destination,
        Uri uri,
        TBody body,
        (int Index, DestinationKey Key, IterableSubscriber Subscriber)[] chunk,
        bool unsubscribe,
        SharePacer pacer,
        CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, IterableJson.Options);
        using var response = await SendVendorRequestAsync(destination, secret => Post(uri, secret, bytes), pacer, cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        var answer = await ReadAsync<IterableBulkUpdateResponse>(response, cancellationToken)
            ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "the list update answer is empty");
        var outcome = IterableResponseMapper.Map(chunk.Select(c => (c.Index, c.Key)).ToList(), answer, unsubscribe);
        if (outcome.AbsentOnRemove > 0)
        {
            _logger.AbsentOnRemove(destination.Id, outcome.AbsentOnRemove);
        }

        if (outcome.Unattributed > 0)
        {
            _logger.UnattributedFailures(destination.Id, outcome.Unattributed);
        }

        return outcome.Rejections;
    }

    // Maps a failed response to the taxonomy, naming Iterable's error code (an enum; its message may echo member data).
    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? code = null;
        try
        {
            code = JsonSerializer.Deserialize<IterableApiResponse>(text, IterableJson.Options)?.Code;
        }
        catch (JsonException)
        {
        }

        HttpStatusMapper.ThrowIfFailed(TypeName, response, code is { Length: <= 64 } && code.All(char.IsAsciiLetterOrDigit) ? code : null);
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync<T>(stream, IterableJson.Options, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new RetryableDestinationException(TypeName, response.StatusCode, "the answer is not the JSON Iterable sends", innerException: ex);
        }
    }
}
