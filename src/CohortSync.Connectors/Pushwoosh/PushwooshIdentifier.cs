namespace CohortSync.Connectors.Pushwoosh;

/// <summary>Which member key a destination sends as the Pushwoosh user id (<c>user_id</c> in <c>bulkSetTags</c>).</summary>
public enum PushwooshIdentifier
{
    /// <summary>The member's email (setting <c>identifier: email</c>, the default): Amplitude's Pushwoosh destination maps email to the Pushwoosh User ID.</summary>
    Email,

    /// <summary>The member's user id (setting <c>identifier: userId</c>): the external id the app sets with the SDK's <c>setUserId</c>.</summary>
    UserId,
}
