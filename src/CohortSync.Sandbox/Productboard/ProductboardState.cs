using System.Globalization;

namespace CohortSync.Sandbox.Productboard;

/// <summary>A user as the sandbox stores it (the company link is kept here; the public user schema does not show it).</summary>
public sealed record ProductboardSandboxUser(string Id, string? Email, string? ExternalId, string? Name, string? CompanyId);

/// <summary>A company as the sandbox stores it.</summary>
public sealed record ProductboardSandboxCompany(string Id, string Name, string? ExternalId, string? Domain, string? Description);

/// <summary>
/// The workspace's users and companies: users unique on email (case-insensitively, unverified) and on external id. Not
/// thread-safe: <see cref="ProductboardSandbox"/> holds its lock around every use.
/// </summary>
internal sealed class ProductboardState
{
    private readonly List<ProductboardSandboxUser> _users = [];
    private readonly Dictionary<string, int> _userIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _byExternalId = new(StringComparer.Ordinal);
    private long _nextId;

    public List<ProductboardSandboxCompany> Companies { get; } = [];

    public IReadOnlyList<ProductboardSandboxUser> Users => _users;

    public ProductboardSandboxUser? User(string id) => _userIndex.TryGetValue(id, out var index) ? _users[index] : null;

    public ProductboardSandboxUser? ByExternalId(string? externalId) =>
        externalId is not null && _byExternalId.TryGetValue(externalId, out var id) ? User(id) : null;

    public ProductboardSandboxUser? ByEmail(string? email) =>
        email is not null && _byEmail.TryGetValue(email, out var id) ? User(id) : null;

    public bool CompanyExists(string id) => Companies.Exists(c => c.Id == id);

    public void Clear()
    {
        _users.Clear();
        _userIndex.Clear();
        _byEmail.Clear();
        _byExternalId.Clear();
        Companies.Clear();
    }

    public string NewId()
    {
        // Productboard ids are UUIDs; a counter in that shape keeps runs repeatable.
        var n = Interlocked.Increment(ref _nextId);
        return string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{n:x12}");
    }

    public void Insert(ProductboardSandboxUser user)
    {
        _userIndex[user.Id] = _users.Count;
        _users.Add(user);
        Index(user);
    }

    public void Replace(ProductboardSandboxUser old, ProductboardSandboxUser updated)
    {
        Unindex(old);
        _users[_userIndex[old.Id]] = updated;
        Index(updated);
    }

    public void Remove(ProductboardSandboxUser user)
    {
        Unindex(user);
        var index = _userIndex[user.Id];
        _users.RemoveAt(index);
        _userIndex.Remove(user.Id);
        for (var i = index; i < _users.Count; i++)
        {
            _userIndex[_users[i].Id] = i;
        }
    }

    private void Index(ProductboardSandboxUser user)
    {
        if (user.Email is not null)
        {
            _byEmail[user.Email] = user.Id;
        }

        if (user.ExternalId is not null)
        {
            _byExternalId[user.ExternalId] = user.Id;
        }
    }

    private void Unindex(ProductboardSandboxUser user)
    {
        if (user.Email is not null)
        {
            _byEmail.Remove(user.Email);
        }

        if (user.ExternalId is not null)
        {
            _byExternalId.Remove(user.ExternalId);
        }
    }
}
