namespace CohortSync.Api;

/// <summary>The answer to an accepted cohort webhook.</summary>
/// <param name="Duplicate">True when the message id was stored before: nothing changed.</param>
/// <param name="Users">The users the message carries.</param>
/// <param name="Skipped">Users without a <c>user_id</c>, not stored.</param>
public sealed record WebhookReceiptView(bool Duplicate, int Users, int Skipped);
