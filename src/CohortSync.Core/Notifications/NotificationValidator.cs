using System.Globalization;

namespace CohortSync.Core.Notifications;

/// <summary>Checks notification targets (a sync's, and the configured defaults), naming each bad field by its place.</summary>
public static class NotificationValidator
{
    /// <summary>The most targets a sync (or the defaults) may have.</summary>
    public const int MaxTargets = 10;

    /// <summary>The target types.</summary>
    public static IReadOnlyList<string> Types { get; } = ["webhook", "slack", "teams"];

    /// <summary>
    /// The problems of a list of targets, as (field, message) pairs; the fields are <paramref name="field"/>, or
    /// <c>{field}[i].{name}</c> for one target's.
    /// </summary>
    /// <param name="targets">The targets (null: none).</param>
    /// <param name="field">The list's field name, e.g. <c>notifications</c>.</param>
    public static IReadOnlyList<(string Field, string Message)> Check(IReadOnlyList<NotificationTarget?>? targets, string field)
    {
        var errors = new List<(string, string)>();
        if (targets is null)
        {
            return errors;
        }

        if (targets.Count > MaxTargets)
        {
            errors.Add((field, $"at most {MaxTargets} targets"));
        }

        for (var i = 0; i < targets.Count; i++)
        {
            var at = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            if (targets[i] is not { } target)
            {
                errors.Add((at, "must be an object with a type, a url and events"));
                continue;
            }

            var type = Types.FirstOrDefault(t => string.Equals(t, target.Type, StringComparison.OrdinalIgnoreCase));
            if (type is null)
            {
                errors.Add((at + ".type", $"must be one of {string.Join(", ", Types)}"));
            }

            if (target.Url is not null && !IsHttpUrl(target.Url))
            {
                errors.Add((at + ".url", "must be an absolute http(s) URL"));
            }

            if (target.SecretName is { } secret && (secret.Length is 0 or > 127 || !secret.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                errors.Add((at + ".secretName", "must be 1 to 127 letters, digits and dashes (a Key Vault secret name)"));
            }

            if (type == "webhook")
            {
                if (target.Url is null)
                {
                    errors.Add((at + ".url", "is required for a webhook"));
                }

                if (target.SecretName is null)
                {
                    errors.Add((at + ".secretName", "is required for a webhook: the secret its notifications are signed with"));
                }
            }
            else if (type is not null && (target.Url is null) == (target.SecretName is null))
            {
                errors.Add((at + ".url", $"a {type} target needs a url, or a secretName whose secret holds the url (not both)"));
            }

            if (target.Events is { } events)
            {
                var unknown = events.Where(e => NotificationEvents.Normalize(e) is null).ToList();
                if (unknown.Count > 0)
                {
                    errors.Add((at + ".events", $"unknown event(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known events: {string.Join(", ", NotificationEvents.All)}"));
                }
            }
        }

        return errors;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
