using CohortSync.Connectors.Common;

namespace CohortSync.Connectors.Productboard;

/// <summary>
/// Finds users by external id for one batch. The v1 API documents no lookup by external id or email, only the paginated
/// list (<c>GET /users</c>, 100 a page, <c>links.next</c>), so pages are read lazily, once per batch, and every user on them
/// is remembered: a batch reads at most the whole list once, and only as far as its first missing member.
/// </summary>
internal sealed class ProductboardUserDirectory
{
    private readonly ProductboardClient _client;
    private readonly SharePacer _pacer;
    private readonly Dictionary<string, string> _idByExternalId = new(StringComparer.Ordinal);
    private Uri? _next;
    private bool _started;

    public ProductboardUserDirectory(ProductboardClient client, SharePacer pacer)
    {
        _client = client;
        _pacer = pacer;
    }

    /// <summary>The list requests made.</summary>
    public int Requests { get; private set; }

    /// <summary>The id of the user with this external id, or null when Productboard has none.</summary>
    public async Task<string?> FindAsync(string externalId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_idByExternalId.TryGetValue(externalId, out var id))
            {
                return id;
            }

            if (_started && _next is null)
            {
                return null;
            }

            var page = await _client.ListUsersAsync(_next, _pacer, cancellationToken);
            Requests++;
            _started = true;
            _next = page.Next;
            foreach (var user in page.Items)
            {
                if (user.ExternalId is not null)
                {
                    _idByExternalId.TryAdd(user.ExternalId, user.Id);
                }
            }
        }
    }

    /// <summary>Remembers a user the batch created.</summary>
    public void Remember(string externalId, string id) => _idByExternalId[externalId] = id;

    /// <summary>Forgets a user found gone (a 404 on its PATCH).</summary>
    public void Forget(string externalId) => _idByExternalId.Remove(externalId);
}
