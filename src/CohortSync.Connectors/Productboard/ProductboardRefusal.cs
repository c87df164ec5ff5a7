namespace CohortSync.Connectors.Productboard;

/// <summary>Why Productboard refused a user write that the connector decides about (everything else throws).</summary>
public enum ProductboardRefusal
{
    /// <summary>Not refused: the write landed.</summary>
    None,

    /// <summary>409: an email or external id is another user's (for a create: the user may exist already).</summary>
    Conflict,

    /// <summary>400 or 422 pointing into the body (<c>/data/...</c>): the member's own field.</summary>
    Field,

    /// <summary>404: the user (PATCH) or the linked company is gone.</summary>
    NotFound,
}
