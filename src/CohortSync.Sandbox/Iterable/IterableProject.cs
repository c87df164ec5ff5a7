using System.Security.Cryptography;
using System.Text;

namespace CohortSync.Sandbox.Iterable;

/// <summary>An Iterable data center: each has its own host, and a key works on one only.</summary>
public enum IterableDataCenter
{
    /// <summary><c>api.iterable.com</c>, served under <c>/iterable/us/</c>.</summary>
    US,

    /// <summary><c>api.eu.iterable.com</c>, served under <c>/iterable/eu/</c>.</summary>
    EU,
}

/// <summary>How an Iterable project identifies users (destination-apis.md §2.3).</summary>
public enum IterableProjectType
{
    /// <summary>userId is the unique id; subscribe creates unknown users unless <c>updateExistingUsersOnly</c>.</summary>
    UserIdBased,

    /// <summary>email is the unique id; a userId alone is unknown unless <c>preferUserId</c> creates a placeholder-email user.</summary>
    EmailBased,

    /// <summary>email and userId are both unique; either identifies a user.</summary>
    Hybrid,
}

/// <summary>A user of a sandbox project.</summary>
internal sealed class SandboxUser
{
    public string? UserId { get; set; }

    public string? Email { get; set; }

    public Dictionary<string, string> DataFields { get; } = new(StringComparer.Ordinal);

    /// <summary>How the sandbox reports the member: <c>userId:{id}</c> when it has one, else <c>email:{email}</c>.</summary>
    public string MemberKey => UserId is not null ? "userId:" + UserId : "email:" + Email;
}

/// <summary>A list of a sandbox project.</summary>
internal sealed class SandboxList(long id, string name, string? description, string listType, DateTimeOffset createdAt)
{
    public long Id { get; } = id;

    public string Name { get; } = name;

    public string? Description { get; } = description;

    public string ListType { get; } = listType;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public HashSet<SandboxUser> Members { get; } = [];

    /// <summary>Successful subscribes per member key (re-subscribes included), to spot duplicate sends.</summary>
    public Dictionary<string, int> Subscribes { get; } = new(StringComparer.Ordinal);

    /// <summary>Used by a campaign or journey: deleting it is refused with 409.</summary>
    public bool InUse { get; set; }
}

/// <summary>
/// One Iterable project: its API key and data center, how it identifies users, its users and lists. Tests arrange state
/// here (known users, forgotten users, lists, a rotated key) and read membership back. Thread-safe.
/// </summary>
public sealed class IterableProject
{
    private readonly Dictionary<string, SandboxUser> _byUserId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxUser> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, SandboxList> _lists = [];
    private readonly Dictionary<string, System.Text.Json.JsonValueKind> _fieldTypes = new(StringComparer.Ordinal);
    private readonly Func<long> _nextListId;
    private volatile string _apiKey;

    internal IterableProject(string name, string apiKey, IterableDataCenter dataCenter, IterableProjectType projectType, Func<long> nextListId)
    {
        if (dataCenter == IterableDataCenter.EU && projectType == IterableProjectType.EmailBased)
        {
            throw new ArgumentException("Iterable's EU data center does not support email-based projects", nameof(projectType));
        }

        Name = name;
        _apiKey = apiKey;
        _nextListId = nextListId;
        DataCenter = dataCenter;
        ProjectType = projectType;
    }

    /// <summary>The project's name (its rate limits are counted per project).</summary>
    public string Name { get; }

    /// <summary>The server-side API key the project accepts; set it to rotate the key.</summary>
    public string ApiKey
    {
        get => _apiKey;
        set => _apiKey = value;
    }

    /// <summary>The data center the project (and so its key) lives in.</summary>
    public IterableDataCenter DataCenter { get; }

    /// <summary>How the project identifies users.</summary>
    public IterableProjectType ProjectType { get; }

    /// <summary>User ids deleted by a privacy request: subscribe and unsubscribe report them as forgotten.</summary>
    public HashSet<string> ForgottenUserIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Emails deleted by a privacy request.</summary>
    public HashSet<string> ForgottenEmails { get; } = new(StringComparer.OrdinalIgnoreCase);

    internal Lock Gate { get; } = new();

    /// <summary>Users in the project.</summary>
    public int UserCount
    {
        get
        {
            lock (Gate)
            {
                return _byUserId.Values.Concat(_byEmail.Values).Distinct().Count();
            }
        }
    }

    /// <summary>Adds a user, as if created in Iterable beforehand.</summary>
    public void AddUser(string? userId, string? email = null)
    {
        if (userId is null && email is null)
        {
            throw new ArgumentException("a user needs a userId or an email");
        }

        lock (Gate)
        {
            Index(new SandboxUser { UserId = userId, Email = email });
        }
    }

    /// <summary>Deletes a user (and so their list memberships).</summary>
    public bool DeleteUser(string userId)
    {
        lock (Gate)
        {
            if (!_byUserId.Remove(userId, out var user))
            {
                return false;
            }

            if (user.Email is not null)
            {
                _byEmail.Remove(user.Email);
            }

            foreach (var list in _lists.Values)
            {
                list.Members.Remove(user);
            }

            return true;
        }
    }

    /// <summary>True when a user with this id exists.</summary>
    public bool HasUser(string userId)
    {
        lock (Gate)
        {
            return _byUserId.ContainsKey(userId);
        }
    }

    /// <summary>The email of the user with this id (a placeholder for users created by <c>preferUserId</c>).</summary>
    public string? EmailOf(string userId)
    {
        lock (Gate)
        {
            return _byUserId.TryGetValue(userId, out var user) ? user.Email : null;
        }
    }

    /// <summary>The data fields of the user with this id.</summary>
    public IReadOnlyDictionary<string, string> DataFieldsOf(string userId)
    {
        lock (Gate)
        {
            return _byUserId.TryGetValue(userId, out var user) ? new Dictionary<string, string>(user.DataFields) : new Dictionary<string, string>();
        }
    }

    /// <summary>Creates a list as if made in Iterable's UI (static <c>Standard</c> by default).</summary>
    public long CreateList(string name, string listType = "Standard") => CreateList(name, null, listType, DateTimeOffset.UtcNow);

    /// <summary>The lists: id, name and type.</summary>
    public IReadOnlyList<(long Id, string Name, string ListType)> Lists()
    {
        lock (Gate)
        {
            return _lists.Values.OrderBy(l => l.Id).Select(l => (l.Id, l.Name, l.ListType)).ToList();
        }
    }

    /// <summary>The members of a list, as <c>userId:{id}</c> or <c>email:{email}</c>.</summary>
    public IReadOnlySet<string> Members(long listId)
    {
        lock (Gate)
        {
            return _lists.TryGetValue(listId, out var list)
                ? list.Members.Select(m => m.MemberKey).ToHashSet(StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>Successful subscribes per member of a list (more than one means the member was sent again).</summary>
    public IReadOnlyDictionary<string, int> Subscribes(long listId)
    {
        lock (Gate)
        {
            return _lists.TryGetValue(listId, out var list) ? new Dictionary<string, int>(list.Subscribes) : new Dictionary<string, int>();
        }
    }

    /// <summary>Marks a list as used by a campaign, so deleting it is refused.</summary>
    public void MarkInUse(long listId)
    {
        lock (Gate)
        {
            _lists[listId].InUse = true;
        }
    }

    internal long CreateList(string name, string? description, string listType, DateTimeOffset createdAt)
    {
        lock (Gate)
        {
            var list = new SandboxList(_nextListId(), name, description, listType, createdAt);
            _lists[list.Id] = list;
            return list.Id;
        }
    }

    internal SandboxList? FindList(long id) => _lists.GetValueOrDefault(id);

    internal IEnumerable<SandboxList> AllLists => _lists.Values;

    internal bool RemoveList(long id) => _lists.Remove(id);

    internal SandboxUser? ByUserId(string userId) => _byUserId.GetValueOrDefault(userId);

    internal SandboxUser? ByEmail(string email) => _byEmail.GetValueOrDefault(email);

    internal SandboxUser Create(string? userId, string? email) => Index(new SandboxUser { UserId = userId, Email = email });

    internal void SetUserId(SandboxUser user, string userId)
    {
        if (user.UserId is not null && _byUserId.TryGetValue(user.UserId, out var current) && ReferenceEquals(current, user))
        {
            _byUserId.Remove(user.UserId);
        }

        user.UserId = userId;
        _byUserId[userId] = user;
    }

    internal void SetEmail(SandboxUser user, string email)
    {
        if (user.Email is not null)
        {
            _byEmail.Remove(user.Email);
        }

        user.Email = email;
        _byEmail[email] = user;
    }

    /// <summary>Checks a field's JSON type against the type the project first saw for it (Iterable fixes a field's type).</summary>
    internal bool FieldTypeFits(string field, System.Text.Json.JsonValueKind kind)
    {
        var normalized = kind is System.Text.Json.JsonValueKind.True ? System.Text.Json.JsonValueKind.False : kind;
        return _fieldTypes.TryAdd(field, normalized) || _fieldTypes[field] == normalized;
    }

    /// <summary>The placeholder email Iterable gives a user created from a user id alone in an email-based project.</summary>
    internal static string PlaceholderEmail(string userId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userId)))[..32] + "@placeholder.email";

    private SandboxUser Index(SandboxUser user)
    {
        if (user.UserId is not null)
        {
            _byUserId[user.UserId] = user;
        }

        if (user.Email is not null)
        {
            _byEmail[user.Email] = user;
        }

        return user;
    }
}
