namespace CohortSync.Core.Sources.Webhooks;

/// <summary>What receiving a message did.</summary>
/// <param name="Duplicate">True when a message with the same id was stored before: nothing changed.</param>
/// <param name="Users">The users the message carries.</param>
/// <param name="Skipped">Users without a <c>user_id</c>, not stored.</param>
public sealed record CohortWebhookReceipt(bool Duplicate, int Users, int Skipped);
