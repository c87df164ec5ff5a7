using System.Text.Json;

namespace CohortSync.Sandbox.Iterable;

/// <summary>An Iterable data center: each has its own host, and a key works on one only.</summary>
public enum IterableDataCenter
{
    /// <summary><c>api.iterable.com</c>, served under <c>/iterable/us/</c>.</summary>
    US,

    /// <summary><c>api.eu.iterable.com</c>, served under <c>/iterable/eu/</c>.</summary>
    EU,
}

/// <summary>How an Iterable project identifies users (https://support.iterable.com/hc/en-us/articles/9216719179796-Project-Types-and-Unique-Identifiers).</summary>
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

    public Dictionary<string, JsonElement> DataFields { get; } = new(StringComparer.Ordinal);

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
