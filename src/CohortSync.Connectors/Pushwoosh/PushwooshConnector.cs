using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// Pushwoosh: cohort membership is the cohort's name in a list tag on the user (default tag <c>Amplitude Cohorts</c>),
/// the user being identified by email as its Pushwoosh user id. An add appends the name, a remove removes it, through
/// <c>POST /api/v2/audience/bulkSetTags</c> with the Server API token in the body; the connector then polls the bulk
/// request's status until it finishes and reports users Pushwoosh does not know as rejected. Requests of fewer than 50
/// users, which <c>bulkSetTags</c> does not take, go one user at a time through the Device API's <c>/json/1.3/setTags</c>
/// with the Device API token in the <c>Authorization</c> header. See <c>README.md</c> beside this file for the contract,
/// the choices and what is unverified.
/// </summary>
public sealed partial class PushwooshConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "pushwoosh";

    /// <summary>The API host (regional hosts are not documented).</summary>
    public const string DefaultHost = "https://api.pushwoosh.com/";

    /// <summary>The longest cohort name used as a tag value (a guard of ours; Pushwoosh documents no limit).</summary>
    public const int MaxTagValueLength = 1_000;

    private const string Append = "append";
    private const string Remove = "remove";

    /// <summary>Creates the connector on a typed client.</summary>
    public PushwooshConnector(HttpClient http, ISecretStore secrets, RateLimitRegistry limits, TimeProvider time)
        : base(http, secrets, limits, time)
    {
    }

    /// <inheritdoc/>
    public override string Type => TypeName;

    /// <summary>
    /// 10 requests a second: Pushwoosh says most of its API is not rate limited but answers 429 when sent to too fast,
    /// without a figure, so this is a conservative default; the <c>requestsPerSecond</c> setting overrides it.
    /// </summary>
    protected override double DefaultRequestsPerSecond => 10;

    /// <inheritdoc/>
    public override DestinationCapabilities Describe(DestinationDefinition destination)
    {
        var settings = PushwooshSettings.From(destination);
        return new DestinationCapabilities(
            10_000,
            [KeyKind.Email],
            [
                $"Pushwoosh: membership is the cohort's name in the list tag '{settings.TagName}' of each user, identified by email as user id.",
                "Pushwoosh never creates users: an email it does not know is rejected as 'user not found' when sent in bulk "
                    + $"(at least {settings.MinBulkDevices} users a request); smaller requests go through the Device API's setTags, which does not report unknown users.",
            ]);
    }

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) =>
        key.Kind == KeyKind.Email ? PushwooshEmail.Check(key.Value) : "pushwoosh takes email keys only";

    /// <inheritdoc/>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = PushwooshSettings.From(destination);
        var baseUri = BaseAddress(destination, _ => DefaultHost);

        // The container is the tag value members carry. Once chosen it stays, even if the cohort is renamed, so that members
        // added under the old name are removed under it too.
        var value = request.ExistingContainerId ?? request.CohortName.Trim();
        if (value.Length is 0 or > MaxTagValueLength)
        {
            throw new ValidationException($"a Pushwoosh cohort needs a name of 1 to {MaxTagValueLength} characters: it is the list tag's value");
        }

        if (settings.ManageTag)
        {
            await EnsureListTagAsync(destination, settings, baseUri, cancellationToken);
        }

        return value;
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = PushwooshSettings.From(destination);
        var baseUri = BaseAddress(destination, _ => DefaultHost);
        var rejections = new List<MemberRejection>();
        var changes = ToTagChanges(request, rejections);
        request.Settled(rejections.Select(r => r.Index), rejections);
        var pacer = Pacer(destination, request);
        var requests = 0;
        if (changes.Count < settings.MinBulkDevices)
        {
            foreach (var change in changes)
            {
                var (rejection, calls) = await SendMemberAsync(async () =>
                    (await SetTagsAsync(destination, settings, baseUri, request.ContainerId, change, pacer, cancellationToken), 1));
                requests += calls;
                request.Settled(change.Index, rejection);
                if (rejection is not null)
                {
                    rejections.Add(rejection);
                }
            }
        }
        else
        {
            var devices = changes.Select(c => PushwooshWire.Device(c, settings.TagName, request.ContainerId)).ToList();
            var parts = PushwooshWire.Split(
                devices.Select(d => d.Length).ToList(), settings.MaxDevicesPerRequest, PushwooshWire.MaxBodyBytes - PushwooshWire.EnvelopeAllowance);
            foreach (var (start, count) in parts)
            {
                // A part is settled only once its job reports completed: a job accepted but not yet done may still land.
                var before = rejections.Count;
                requests += await SendBulkAsync(destination, settings, baseUri, devices, changes, start, count, rejections, pacer, cancellationToken);
                request.Settled(changes.Skip(start).Take(count).Select(c => c.Index), rejections.Skip(before));
            }
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(rejections, requests, pacer);
    }

    /// <summary>A reason safe for reports: a vendor error code (letters, digits, underscores) in words, never an identifier.</summary>
    public static string ReasonFor(string? code) =>
        code is not null && CodePattern().IsMatch(code)
            ? "pushwoosh: " + code.Replace('_', ' ').ToLowerInvariant()
            : "pushwoosh: the user's tags could not be updated";

    /// <summary>Keeps a vendor message fit for an exception: short, and with anything that looks like an address removed.</summary>
    public static string? Sanitize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        var words = message.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Contains('@', StringComparison.Ordinal) ? "(redacted)" : w);
        var text = string.Join(' ', words);
        return text.Length <= 200 ? text : text[..200];
    }

    private static List<TagChange> ToTagChanges(SendRequest request, List<MemberRejection> rejections)
    {
        var changes = new List<TagChange>(request.Changes.Count);
        for (var i = 0; i < request.Changes.Count; i++)
        {
            var change = request.Changes[i];
            var key = DestinationKey.Decode(change.Entry.Key);

            // Prepare validated every key; a stored batch from an older rule set is checked again rather than trusted.
            var reason = key.Kind == KeyKind.Email ? PushwooshEmail.Check(key.Value) : "pushwoosh takes email keys only";
            if (reason is not null)
            {
                rejections.Add(new MemberRejection(i, reason));
                continue;
            }

            // An update (new carried fields, same email) re-appends: the list tag is a set, so it only confirms membership.
            changes.Add(new TagChange(i, key.Value, change.Kind == ChangeKind.Remove ? Remove : Append));
        }

        return changes;
    }

    private async Task<int> SendBulkAsync(
        DestinationDefinition destination,
        PushwooshSettings settings,
        Uri baseUri,
        List<byte[]> devices,
        List<TagChange> changes,
        int start,
        int count,
        List<MemberRejection> rejections,
        SharePacer pacer,
        CancellationToken cancellationToken)
    {
        string requestId;
        using (var response = await SendVendorRequestAsync(
            destination,
            secret => Post(new Uri(baseUri, "api/v2/audience/bulkSetTags"), PushwooshWire.BulkSetTags(settings.ApplicationCode, secret!, devices, start, count)),
            pacer,
            cancellationToken))
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            HttpStatusMapper.ThrowIfFailed(TypeName, response, Sanitize(PushwooshWire.ReadMessage(text)));
            requestId = PushwooshWire.ReadRequestId(text)
                ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "bulkSetTags answered without a request_id");
        }

        var (status, polls) = await PollAsync(destination, settings, baseUri, requestId, pacer, cancellationToken);
        var byUser = new Dictionary<string, TagChange>(count, StringComparer.Ordinal);
        for (var i = start; i < start + count; i++)
        {
            byUser[changes[i].UserId] = changes[i];
        }

        foreach (var failure in status.Failures)
        {
            if (failure.UserId is null || !byUser.Remove(failure.UserId, out var change))
            {
                continue;
            }

            // A remove of a user Pushwoosh does not know leaves them out of the cohort, which is what the remove asks.
            if (change.Operator == Remove && IsNotFound(failure.Code))
            {
                continue;
            }

            rejections.Add(new MemberRejection(change.Index, ReasonFor(failure.Code)));
        }

        return 1 + polls;
    }

    // The bulk job takes seconds, so the activity waits for it: a short doubling backoff, a bounded number of reads. A job
    // that does not finish in time, or fails as a whole, throws a retryable error; the engine then sends the batch again,
    // which is safe because appending or removing a tag value twice leaves the same list.
    private async Task<(BulkStatus Status, int Polls)> PollAsync(
        DestinationDefinition destination, PushwooshSettings settings, Uri baseUri, string requestId, SharePacer pacer, CancellationToken cancellationToken)
    {
        var uri = new Uri(baseUri, $"api/v2/audience/bulkSetTags/{Uri.EscapeDataString(requestId)}?detailed=true");
        var delay = settings.StatusPollDelay;
        for (var poll = 1; poll <= settings.StatusPolls; poll++)
        {
            await Task.Delay(delay, Time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, PushwooshSettings.MaxStatusPollDelay.Ticks));

            // The status read carries no token: Pushwoosh documents none for it, and the request id is the job's capability.
            using var response = await SendVendorRequestAsync(destination, _ => new HttpRequestMessage(HttpMethod.Get, uri), pacer, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            HttpStatusMapper.ThrowIfFailed(TypeName, response, Sanitize(PushwooshWire.ReadMessage(text)));
            var status = PushwooshWire.ReadStatus(text)
                ?? throw new RetryableDestinationException(TypeName, response.StatusCode, "bulkSetTags status answered without a status");
            if (status.IsFailed)
            {
                throw new RetryableDestinationException(TypeName, response.StatusCode, $"bulk request {requestId} failed as a whole ({Sanitize(status.Status)})");
            }

            if (status.IsCompleted)
            {
                return (status, poll);
            }
        }

        throw new RetryableDestinationException(
            TypeName, null, string.Create(CultureInfo.InvariantCulture, $"bulk request {requestId} had not finished after {settings.StatusPolls} status reads"));
    }

    private async Task<MemberRejection?> SetTagsAsync(
        DestinationDefinition destination, PushwooshSettings settings, Uri baseUri, string value, TagChange change, SharePacer pacer, CancellationToken cancellationToken)
    {
        // The Device API token is a credential of its own: its secret, its 401 re-read and its rate limiter.
        var device = destination with { SecretName = settings.DeviceTokenSecretName };
        using var response = await SendVendorRequestAsync(
            device,
            secret =>
            {
                var message = Post(new Uri(baseUri, "json/1.3/setTags"), PushwooshWire.SetTags(settings.ApplicationCode, change, settings.TagName, value));
                message.Headers.Authorization = new AuthenticationHeaderValue("Token", secret);
                return message;
            },
            pacer,
            cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var envelope = PushwooshWire.ReadEnvelope(text);
        var code = response.IsSuccessStatusCode && envelope is not null ? envelope.StatusCode : (int)response.StatusCode;
        if (code == 200)
        {
            return null;
        }

        // A client error on a one-user request is that user's refusal, not the batch's; auth, throttling and 5xx still throw.
        if (code is >= 400 and < 500 and not (401 or 403 or 408 or 429) || (code is > 200 and < 300))
        {
            return new MemberRejection(change.Index, string.Create(CultureInfo.InvariantCulture, $"pushwoosh: setTags refused the user (status {code})"));
        }

        ThrowFor(code, response, envelope?.StatusMessage);
        return null;
    }

    private async Task EnsureListTagAsync(DestinationDefinition destination, PushwooshSettings settings, Uri baseUri, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var tags = PushwooshWire.ReadTags(await CallJsonAsync(destination, baseUri, "json/1.3/listTags", PushwooshWire.ListTags, cancellationToken));
            if (tags.FirstOrDefault(t => string.Equals(t.Name, settings.TagName, StringComparison.Ordinal)) is { } tag)
            {
                if (tag.Type != PushwooshWire.ListTagType)
                {
                    throw new DestinationRejectedException(
                        TypeName, null, string.Create(CultureInfo.InvariantCulture, $"tag '{settings.TagName}' exists with type {tag.Type}, not a list tag (3); choose another tagName"));
                }

                return;
            }

            if (attempt > 0)
            {
                throw new DestinationRejectedException(TypeName, null, $"tag '{settings.TagName}' could not be created");
            }

            // A refused addTag is checked by listing again: another sync may have created the tag in the meantime.
            var added = await CallJsonAsync(destination, baseUri, "json/1.3/addTag", secret => PushwooshWire.AddListTag(secret, settings.TagName), cancellationToken, tolerateArgumentError: true);
            if (PushwooshWire.ReadEnvelope(added)?.StatusCode == 200)
            {
                return;
            }
        }
    }

    // Server API json/1.3 call: token in the body, envelope checked. Returns the body.
    private async Task<string> CallJsonAsync(
        DestinationDefinition destination, Uri baseUri, string path, Func<string, byte[]> body, CancellationToken cancellationToken, bool tolerateArgumentError = false)
    {
        using var response = await SendVendorRequestAsync(destination, secret => Post(new Uri(baseUri, path), body(secret!)), null, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var envelope = PushwooshWire.ReadEnvelope(text);
        var code = response.IsSuccessStatusCode && envelope is not null ? envelope.StatusCode : (int)response.StatusCode;

        // An argument error (json/1.3's 210 inside an HTTP 200, or a 400) is left to the caller when it can check the outcome.
        if (code == 200 || (tolerateArgumentError && code is 210 or 400))
        {
            return text;
        }

        if (!response.IsSuccessStatusCode)
        {
            HttpStatusMapper.ThrowIfFailed(TypeName, response, Sanitize(envelope?.StatusMessage));
        }

        ThrowFor(code, response, envelope?.StatusMessage);
        return text;
    }

    // Maps an envelope status code (json/1.3 may answer HTTP 200 with an error code inside) to the taxonomy.
    private static void ThrowFor(int code, HttpResponseMessage response, string? message)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"status {code}") + (Sanitize(message) is { } m ? ": " + m : string.Empty);
        var status = (HttpStatusCode)code;
        throw code switch
        {
            401 or 403 => new DestinationAuthException(TypeName, status, text),
            408 or 429 or >= 500 => new RetryableDestinationException(TypeName, status, text, HttpStatusMapper.RetryAfter(response)),
            _ => new DestinationRejectedException(TypeName, status, text),
        };
    }

    private static bool IsNotFound(string? code) =>
        code is not null && code.Replace('-', '_').ToUpperInvariant() is "USER_NOT_FOUND" or "DEVICE_NOT_FOUND" or "NOT_FOUND";

    private static HttpRequestMessage Post(Uri uri, byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return message;
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
