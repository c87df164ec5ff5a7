namespace CohortSync.Sandbox.Notify;

/// <summary>A notification the sandbox accepted.</summary>
/// <param name="Route"><c>webhook</c>, <c>slack</c> or <c>teams</c>.</param>
/// <param name="Event">The webhook body's event (null for chat).</param>
/// <param name="RunId">The webhook body's run id (null for chat).</param>
/// <param name="Status">The webhook body's status (null for chat).</param>
/// <param name="IdempotencyKey">The webhook's <c>Idempotency-Key</c> (null for chat).</param>
/// <param name="EventHeader">The webhook's <c>X-CohortSync-Event</c> (null for chat).</param>
/// <param name="Body">The webhook's JSON body, or the chat message's text.</param>
public sealed record ReceivedNotification(string Route, string? Event, string? RunId, string? Status, string? IdempotencyKey, string? EventHeader, string Body);
