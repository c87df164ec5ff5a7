using CohortSync.Core.Identity;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// One cohort member as Productboard sees it: the Amplitude user id (the key), and the optional email and external id
/// carried beside it (a sync's <c>carry</c> names them <c>email</c> and <c>externalId</c>).
/// </summary>
/// <param name="UserId">The member's user id: required, the snapshot key.</param>
/// <param name="Email">The email, if the sync carries one.</param>
/// <param name="ExternalId">The external id, if the sync carries one.</param>
public sealed record ProductboardMember(string UserId, string? Email, string? ExternalId)
{
    /// <summary>The carried field holding the email.</summary>
    public const string EmailField = "email";

    /// <summary>The carried field holding the external id.</summary>
    public const string ExternalIdField = "externalId";

    /// <summary>
    /// The value written to the Productboard user's <c>externalId</c>, which Productboard merges users on: the carried external
    /// id when there is one (so the member joins the user Productboard already knows under it), else the user id.
    /// </summary>
    public string MergeKey => ExternalId ?? UserId;

    /// <summary>Reads a member from a change of a batch (decoded once in Core; for a remove, the fields it was added with).</summary>
    public static ProductboardMember From(MemberChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return From(change.Key, change.Fields);
    }

    /// <summary>Reads a member from a key and its carried fields.</summary>
    public static ProductboardMember From(DestinationKey key, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new ProductboardMember(key.Value, Field(fields, EmailField), Field(fields, ExternalIdField));
    }

    private static string? Field(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
