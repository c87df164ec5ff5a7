using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace CohortSync.Connectors.Iterable;

// Wire shapes of Iterable's Lists API ("Iterable API" v1.8 Swagger, Iterable/api-client api-docs.json). Only the fields this
// connector sends or reads are modelled.

/// <summary>One subscriber of <c>POST /api/lists/subscribe</c> (<c>OptionalApiUser</c>): an email or a user id, not both.</summary>
/// <param name="Email">The email, for email keys.</param>
/// <param name="UserId">The user id, for user id keys.</param>
/// <param name="DataFields">Carried fields to set on the user's profile, if any, each as the JSON type Iterable stores it as
/// (<see cref="IterableFieldTypes"/>).</param>
/// <param name="PreferUserId">
/// Create an unknown user from a user id alone (with a placeholder email). Iterable respects it only in email-based
/// projects, so it is sent with user ids only.
/// </param>
public sealed record IterableSubscriber(
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("userId")] string? UserId,
    [property: JsonPropertyName("dataFields")] IReadOnlyDictionary<string, JsonNode?>? DataFields = null,
    [property: JsonPropertyName("preferUserId")] bool? PreferUserId = null);

/// <summary>The body of <c>POST /api/lists/subscribe</c>.</summary>
/// <param name="ListId">The static list.</param>
/// <param name="Subscribers">Who to add.</param>
/// <param name="UpdateExistingUsersOnly">Skip users Iterable does not know instead of creating them.</param>
public sealed record IterableSubscribeRequest(
    [property: JsonPropertyName("listId")] long ListId,
    [property: JsonPropertyName("subscribers")] IReadOnlyList<IterableSubscriber> Subscribers,
    [property: JsonPropertyName("updateExistingUsersOnly")] bool UpdateExistingUsersOnly);

/// <summary>
/// The body of <c>POST /api/lists/unsubscribe</c>. <c>channelUnsubscribe</c> is always false: true is "essentially a
/// global unsubscribe", and leaving a cohort must only take the user off this list.
/// </summary>
/// <param name="ListId">The static list.</param>
/// <param name="Subscribers">Who to remove (email or user id only).</param>
public sealed record IterableUnsubscribeRequest(
    [property: JsonPropertyName("listId")] long ListId,
    [property: JsonPropertyName("subscribers")] IReadOnlyList<IterableSubscriber> Subscribers)
{
    /// <summary>Always false (see the type).</summary>
    [JsonPropertyName("channelUnsubscribe")]
    public bool ChannelUnsubscribe { get; }
}

/// <summary>The body of <c>POST /api/lists</c>: a static list.</summary>
/// <param name="Name">The list's name (required).</param>
/// <param name="Description">A short description.</param>
public sealed record IterableCreateListRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string? Description);

/// <summary>The answer to <c>POST /api/lists</c>.</summary>
/// <param name="ListId">The new list's id.</param>
public sealed record IterableCreateListResponse([property: JsonPropertyName("listId")] long? ListId);

/// <summary>The answer to <c>GET /api/lists</c>.</summary>
/// <param name="Lists">Every list of the project.</param>
public sealed record IterableListsResponse([property: JsonPropertyName("lists")] IReadOnlyList<IterableList>? Lists);

/// <summary>One list of <c>GET /api/lists</c>.</summary>
/// <param name="Id">The list id.</param>
/// <param name="Name">The name (not unique in Iterable).</param>
/// <param name="ListType"><c>Standard</c> (static), <c>Dynamic</c>, <c>Suppression</c> or <c>Internal</c>.</param>
public sealed record IterableList(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("listType")] string? ListType);

/// <summary>
/// The answer to subscribe and unsubscribe (<c>UserBulkUpdateListResponse</c>): HTTP 200 even when some subscribers
/// failed, with the failures by category in <see cref="FailedUpdates"/>.
/// </summary>
/// <param name="SuccessCount">Subscribers applied.</param>
/// <param name="FailCount">Subscribers refused.</param>
/// <param name="InvalidEmails">Deprecated top-level copy of <c>failedUpdates.invalidEmails</c>.</param>
/// <param name="InvalidUserIds">Deprecated top-level copy of <c>failedUpdates.invalidUserIds</c>.</param>
/// <param name="FailedUpdates">The failures by category.</param>
public sealed record IterableBulkUpdateResponse(
    [property: JsonPropertyName("successCount")] int SuccessCount,
    [property: JsonPropertyName("failCount")] int FailCount,
    [property: JsonPropertyName("invalidEmails")] IReadOnlyList<string>? InvalidEmails,
    [property: JsonPropertyName("invalidUserIds")] IReadOnlyList<string>? InvalidUserIds,
    [property: JsonPropertyName("failedUpdates")] IterableFailedUpdates? FailedUpdates);

/// <summary>The failures of a bulk update (<c>FailedUserUpdates</c>); <c>notFound*</c> apply to subscribe and unsubscribe only.</summary>
public sealed record IterableFailedUpdates(
    [property: JsonPropertyName("invalidEmails")] IReadOnlyList<string>? InvalidEmails,
    [property: JsonPropertyName("invalidUserIds")] IReadOnlyList<string>? InvalidUserIds,
    [property: JsonPropertyName("notFoundEmails")] IReadOnlyList<string>? NotFoundEmails,
    [property: JsonPropertyName("notFoundUserIds")] IReadOnlyList<string>? NotFoundUserIds,
    [property: JsonPropertyName("forgottenEmails")] IReadOnlyList<string>? ForgottenEmails,
    [property: JsonPropertyName("forgottenUserIds")] IReadOnlyList<string>? ForgottenUserIds,
    [property: JsonPropertyName("conflictEmails")] IReadOnlyList<string>? ConflictEmails,
    [property: JsonPropertyName("conflictUserIds")] IReadOnlyList<string>? ConflictUserIds,
    [property: JsonPropertyName("invalidDataEmails")] IReadOnlyList<string>? InvalidDataEmails,
    [property: JsonPropertyName("invalidDataUserIds")] IReadOnlyList<string>? InvalidDataUserIds);

/// <summary>Iterable's error envelope (<c>IterableApiResponse</c>): <c>{"code","msg","params"}</c>.</summary>
/// <param name="Code">The error code (<c>BadApiKey</c>, <c>BadParams</c>, <c>RateLimitExceeded</c>, ...).</param>
public sealed record IterableApiResponse([property: JsonPropertyName("code")] string? Code);
