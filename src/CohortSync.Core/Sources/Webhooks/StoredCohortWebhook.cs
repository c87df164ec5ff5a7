namespace CohortSync.Core.Sources.Webhooks;

/// <summary>A message as stored on receipt: the raw body, with what ordering and deduplication need beside it.</summary>
/// <param name="MessageId">Amplitude's message id (the store keeps a hash of it as the key).</param>
/// <param name="ComputedTime">The computation the message belongs to.</param>
/// <param name="InCohort">Entered (true) or left (false).</param>
/// <param name="Users">How many users it carries.</param>
/// <param name="ReceivedAt">When it was accepted.</param>
/// <param name="Body">The body exactly as received.</param>
public sealed record StoredCohortWebhook(
    string MessageId,
    long ComputedTime,
    bool InCohort,
    int Users,
    DateTimeOffset ReceivedAt,
    ReadOnlyMemory<byte> Body);
