using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CohortSync.Sandbox.Iterable;

/// <summary>
/// One Iterable project: its API key and data center, how it identifies users, its users and lists. Tests arrange state
/// here (known users, forgotten users, lists, a rotated key) and read membership back. Thread-safe.
/// </summary>
public sealed class IterableProject
{
    private readonly Dictionary<string, SandboxUser> _byUserId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SandboxUser> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, SandboxList> _lists = [];
    private readonly Dictionary<string, int> _forgottenRefusals = new(StringComparer.OrdinalIgnoreCase);
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

    /// <summary>The data fields of the user with this id: strings as they are, other values as their JSON text (<c>12</c>,
    /// <c>true</c>).</summary>
    public IReadOnlyDictionary<string, string> DataFieldsOf(string userId)
    {
        lock (Gate)
        {
            return _byUserId.TryGetValue(userId, out var user)
                ? user.DataFields.ToDictionary(f => f.Key, f => f.Value.ValueKind == JsonValueKind.String ? f.Value.GetString()! : f.Value.GetRawText(), StringComparer.Ordinal)
                : new Dictionary<string, string>();
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

    /// <summary>The project's user profile fields and the type each was fixed with (Iterable fixes a field's type from the first
    /// value it stores).</summary>
    internal IterableFieldSchema Schema { get; } = new();

    /// <summary>The type a user profile field was fixed with (<c>string</c>, <c>long</c>, <c>double</c>, <c>boolean</c>,
    /// <c>date</c>, <c>object</c>), or null if the project has no such field.</summary>
    public string? FieldTypeOf(string field)
    {
        lock (Gate)
        {
            return Schema.TypeOf(field);
        }
    }

    /// <summary>Creates a user profile field with a type, as in Iterable's Data Schema Management (<c>string</c>, <c>long</c>,
    /// <c>double</c>, <c>boolean</c>, <c>date</c>, <c>object</c>); a field's type cannot change once set.</summary>
    public void DefineField(string field, string type)
    {
        lock (Gate)
        {
            Schema.Define(field, type);
        }
    }

    /// <summary>How often a subscribe or unsubscribe named this forgotten user id or email (refused each time).</summary>
    public int ForgottenRefusalsOf(string identifier)
    {
        lock (Gate)
        {
            return _forgottenRefusals.GetValueOrDefault(identifier);
        }
    }

    internal void CountForgottenRefusal(string identifier) => _forgottenRefusals[identifier] = _forgottenRefusals.GetValueOrDefault(identifier) + 1;

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
