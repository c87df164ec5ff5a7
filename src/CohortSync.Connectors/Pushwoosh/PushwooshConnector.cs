using System.Globalization;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Snapshots;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// Pushwoosh: cohort membership is the cohort's name in a list tag on the user (default tag <c>Amplitude Cohorts</c>),
/// the user being named by its Pushwoosh user id: the member's email (setting <c>identifier: email</c>, the default) or
/// user id (<c>identifier: userId</c>). An add appends the name and a remove removes it, every change through
/// <c>bulkSetTags</c> (<see cref="PushwooshClient"/>), whose job status is polled until it finishes; devices it names as
/// failed or skipped are rejected with their reason. This class only plans: members into devices, devices into requests,
/// job statuses into rejections. See <c>README.md</c> beside this file for the contract, the choices and what is unverified.
/// </summary>
public sealed class PushwooshConnector : HttpConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "pushwoosh";

    /// <summary>The API host (regional hosts are not documented).</summary>
    public const string DefaultHost = "https://api.pushwoosh.com/";

    /// <summary>The longest cohort name used as a tag value (a guard of ours; Pushwoosh documents no limit).</summary>
    public const int MaxTagValueLength = 1_000;

    /// <summary>The list operator of an add or an update.</summary>
    public const string Append = "append";

    /// <summary>The list operator of a remove.</summary>
    public const string Remove = "remove";

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
        var by = settings.Identifier == PushwooshIdentifier.UserId ? "user id" : "email";
        return new DestinationCapabilities(
            10_000,
            [PushwooshIdentifiers.KindOf(settings.Identifier)],
            [
                $"Pushwoosh: membership is the cohort's name in the list tag '{settings.TagName}' of each user, identified by {by} as Pushwoosh user id.",
                "Pushwoosh never creates users: a user it does not know, or skips, is rejected with the reason its bulk job gives.",
            ]);
    }

    /// <inheritdoc/>
    public override string? Validate(DestinationKey key, string? payload) => PushwooshIdentifiers.Check(key);

    /// <inheritdoc/>
    public override string? Validate(ResolvedMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return member.Kind == KeyKind.UserId ? PushwooshIdentifiers.CheckUserId(member.Value) : base.Validate(member);
    }

    /// <inheritdoc/>
    public override async Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = PushwooshSettings.From(destination);

        // The container is the tag value members carry. Once chosen it stays, even if the cohort is renamed, so that members
        // added under the old name are removed under it too.
        var value = request.ExistingContainerId ?? request.CohortName.Trim();
        if (value.Length is 0 or > MaxTagValueLength)
        {
            throw new ValidationException($"a Pushwoosh cohort needs a name of 1 to {MaxTagValueLength} characters: it is the list tag's value");
        }

        if (settings.ManageTag)
        {
            await EnsureListTagAsync(Client(destination), settings.TagName, cancellationToken);
        }

        return value;
    }

    /// <inheritdoc/>
    public override async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = PushwooshSettings.From(destination);
        var client = Client(destination);
        var rejections = new List<MemberRejection>();
        var changes = Plan(request, settings, rejections);
        request.Settled(rejections.Select(r => r.Index), rejections);
        var pacer = Pacer(destination, request);
        var requests = 0;

        // Every change goes through bulkSetTags, however few: no documented path sets a tag by user id for one user (the
        // Device API's setTags needs the device's hwid). The split is even, so a batch of 50 or more never leaves a part
        // under the 50 devices the documentation asks for.
        var devices = changes.Select(c => PushwooshWire.Device(c, settings.TagName, request.ContainerId)).ToList();
        var parts = PushwooshWire.Split(
            devices.Select(d => d.Length).ToList(), settings.MaxDevicesPerRequest, PushwooshWire.MaxBodyBytes - PushwooshWire.EnvelopeAllowance);
        foreach (var (start, count) in parts)
        {
            // A part is settled only once its job reports completed: a job accepted but not yet done may still land.
            var requestId = await client.BulkSetTagsAsync(settings.ApplicationCode, devices, start, count, pacer, cancellationToken);
            var (status, polls) = await client.AwaitBulkSetTagsAsync(requestId, settings.StatusPolls, settings.StatusPollDelay, pacer, cancellationToken);
            requests += 1 + polls;
            var refused = PushwooshBulkOutcome.Rejections(changes, start, count, status);
            rejections.AddRange(refused);
            request.Settled(changes.Skip(start).Take(count).Select(c => c.Index), refused);
        }

        await pacer.CompleteAsync(cancellationToken);
        return Result(rejections, requests, pacer);
    }

    // Members into list operations. Prepare already validated every key against Validate, so values are not checked again;
    // only the kind is, because a batch stored before the destination's identifier setting changed may carry the other kind.
    private static List<TagChange> Plan(SendRequest request, PushwooshSettings settings, List<MemberRejection> rejections)
    {
        var kind = PushwooshIdentifiers.KindOf(settings.Identifier);
        var changes = new List<TagChange>(request.Members.Count);
        foreach (var member in request.Members)
        {
            if (member.Key.Kind != kind)
            {
                rejections.Add(new MemberRejection(member.Index, string.Create(
                    CultureInfo.InvariantCulture, $"pushwoosh: the destination identifies users by {settings.Identifier}, not {member.Key.Kind}")));
                continue;
            }

            // An update (new carried fields, same key) re-appends: the list tag is a set, so it only confirms membership.
            changes.Add(new TagChange(member.Index, member.Key.Value, member.Kind == ChangeKind.Remove ? Remove : Append));
        }

        return changes;
    }

    private static async Task EnsureListTagAsync(PushwooshClient client, string tagName, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var tags = await client.ListTagsAsync(cancellationToken);
            if (tags.FirstOrDefault(t => string.Equals(t.Name, tagName, StringComparison.Ordinal)) is { } tag)
            {
                if (tag.Type != PushwooshWire.ListTagType)
                {
                    throw new DestinationRejectedException(
                        TypeName, null, string.Create(CultureInfo.InvariantCulture, $"tag '{tagName}' exists with type {tag.Type}, not a list tag (3); choose another tagName"));
                }

                return;
            }

            if (attempt > 0)
            {
                throw new DestinationRejectedException(TypeName, null, $"tag '{tagName}' could not be created");
            }

            try
            {
                await client.AddListTagAsync(tagName, cancellationToken);
                return;
            }
            catch (DestinationRejectedException)
            {
                // A refused addTag is checked by listing again: another sync may have created the tag in the meantime.
            }
        }
    }

    private PushwooshClient Client(DestinationDefinition destination) =>
        new((build, pacer, ct) => SendVendorRequestAsync(destination, build, pacer, ct), BaseAddress(destination, _ => DefaultHost), Time);
}
