namespace CohortSync.Core.Notifications;

/// <summary>
/// Where a run's notifications go, and for which events: a signed <c>webhook</c>, or a chat channel's incoming webhook
/// (<c>slack</c>, <c>teams</c>) that takes <c>{"text": ...}</c>. Holds the name of a secret, never the secret itself.
/// </summary>
/// <remarks>
/// A <c>webhook</c> target needs <see cref="Url"/> and <see cref="SecretName"/> (the key its bodies are signed with). A chat
/// target needs <see cref="Url"/>, or instead <see cref="SecretName"/> naming a secret whose value is the URL: Slack's and
/// Teams' incoming-webhook URLs carry their token in the path, so they are best kept in the secret store.
/// </remarks>
public sealed record NotificationTarget
{
    /// <summary><c>webhook</c>, <c>slack</c> or <c>teams</c>.</summary>
    public string Type { get; init; } = string.Empty;

    /// <summary>The absolute http(s) URL to POST to.</summary>
    public string? Url { get; init; }

    /// <summary>For a webhook, the secret its bodies are signed with; for a chat target, a secret holding the URL.</summary>
    public string? SecretName { get; init; }

    /// <summary>The events to send (<see cref="NotificationEvents.All"/>); omitted or empty, every event.</summary>
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>True when the target takes <paramref name="notificationEvent"/>.</summary>
    public bool Wants(string notificationEvent) =>
        Events is not { Count: > 0 } || Events.Contains(notificationEvent, StringComparer.OrdinalIgnoreCase);
}
