namespace CohortSync.Sandbox.Amplitude;

/// <summary>One cohort computation for <see cref="AmplitudeWebhookSender"/> to send.</summary>
/// <param name="Url">Where the destination posts.</param>
/// <param name="CohortId">The cohort's id.</param>
/// <param name="ComputedTime">The computation's time, seconds since the epoch.</param>
/// <param name="Entered">Users who entered.</param>
/// <param name="Exited">Users who left.</param>
/// <param name="Headers">Extra headers (at most five), such as the shared secret.</param>
/// <param name="CohortName">The cohort's name.</param>
/// <param name="BatchSize">Users a message (Amplitude's documented defaults: 1,000 or 10,000).</param>
/// <param name="SendEachTwice">Sends every message a second time, as when Amplitude's 200 was lost.</param>
/// <param name="HoldBack">The first messages to keep back and send only on release (late retries).</param>
/// <param name="SyncId">The id the message ids start with (a new one by default).</param>
public sealed record WebhookPlan(
    Uri Url,
    string CohortId,
    long ComputedTime,
    IReadOnlyList<string>? Entered = null,
    IReadOnlyList<string>? Exited = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? CohortName = null,
    int BatchSize = 1000,
    bool SendEachTwice = false,
    int HoldBack = 0,
    string? SyncId = null);
