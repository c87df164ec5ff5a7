using System.Net;
using CohortSync.Connectors.Common;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// What one batch does per member, on the public v1 semantics: <c>POST /users</c> only creates (409 when the external id
/// or email is taken), <c>PATCH /users/{id}</c> updates, and a user is found by external id in the user list. Methods
/// return the member's rejection reason, or null when Productboard took the change.
/// </summary>
internal sealed class ProductboardPlan
{
    private readonly ProductboardClient _client;
    private readonly ProductboardUserDirectory _directory;
    private readonly string _companyId;
    private readonly SharePacer _pacer;
    private int _writes;

    public ProductboardPlan(ProductboardClient client, ProductboardUserDirectory directory, string companyId, SharePacer pacer)
    {
        _client = client;
        _directory = directory;
        _companyId = companyId;
        _pacer = pacer;
    }

    /// <summary>Requests made: writes and list pages.</summary>
    public int Requests => _writes + _directory.Requests;

    /// <summary>
    /// Add or update. An add creates first (a new user costs one request; a 409 means the user exists, so it is found and
    /// patched); an update finds first (its email may have changed, which only a PATCH of the found user can set).
    /// </summary>
    public async Task<string?> UpsertAsync(ProductboardMember member, bool createFirst, CancellationToken cancellationToken)
    {
        if (!createFirst && await _directory.FindAsync(member.MergeKey, cancellationToken) is { } known)
        {
            var patched = await PatchAsync(known, ProductboardPayloads.UpdateUser(member, _companyId), cancellationToken);
            if (patched.Refusal != ProductboardRefusal.NotFound)
            {
                return Verdict(patched);
            }

            // Deleted in Productboard since the list was read (or the company is gone, which the create below tells).
            _directory.Forget(member.MergeKey);
        }

        var created = await _client.CreateUserAsync(ProductboardPayloads.CreateUser(member, _companyId), _pacer, cancellationToken);
        _writes++;
        if (created.Refusal == ProductboardRefusal.None && created.UserId is { } id)
        {
            _directory.Remember(member.MergeKey, id);
        }

        if (created.Refusal != ProductboardRefusal.Conflict)
        {
            return Verdict(created);
        }

        // The external id or the email is taken. Under this external id: the member's user, updated (email included).
        // Otherwise the email belongs to another user, which is the member's refusal (the conflict's reason says so).
        if (await _directory.FindAsync(member.MergeKey, cancellationToken) is not { } existing)
        {
            return created.Reason;
        }

        var updated = await PatchAsync(existing, ProductboardPayloads.UpdateUser(member, _companyId), cancellationToken);
        return updated.Refusal == ProductboardRefusal.NotFound
            ? throw new RetryableDestinationException(ProductboardConnector.TypeName, HttpStatusCode.NotFound, "the user found for an add was gone when it was updated")
            : Verdict(updated);
    }

    /// <summary>Remove: find the user and clear its company link; a user Productboard does not know is not in the cohort.</summary>
    public async Task<string?> RemoveAsync(ProductboardMember member, CancellationToken cancellationToken)
    {
        if (await _directory.FindAsync(member.MergeKey, cancellationToken) is not { } id)
        {
            return null;
        }

        var unlinked = await PatchAsync(id, ProductboardPayloads.UnlinkCompany(), cancellationToken);
        return unlinked.Refusal is ProductboardRefusal.None or ProductboardRefusal.NotFound ? null : unlinked.Reason;
    }

    private async Task<ProductboardWrite> PatchAsync(string id, byte[] body, CancellationToken cancellationToken)
    {
        var write = await _client.UpdateUserAsync(id, body, _pacer, cancellationToken);
        _writes++;
        return write;
    }

    // A write that linked the company: 404 means the company was deleted under the sync. Every member would fail the same
    // way, so the batch fails (its unanswered members stay pending) and the next run's Prepare makes the company again.
    private static string? Verdict(ProductboardWrite write) => write.Refusal switch
    {
        ProductboardRefusal.None => null,
        ProductboardRefusal.NotFound => throw new DestinationRejectedException(ProductboardConnector.TypeName, HttpStatusCode.NotFound, "the cohort's company no longer exists"),
        _ => write.Reason,
    };
}
