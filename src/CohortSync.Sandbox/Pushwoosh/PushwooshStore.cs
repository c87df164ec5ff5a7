using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

/// <summary>
/// The Pushwoosh sandbox's data: applications, users per application, users whose updates it skips, tag definitions, tag
/// values per user, and the count of appends per user and value. One lock guards it; the worker applies changes through
/// <see cref="Apply"/> (in <c>PushwooshStore.Apply.cs</c>). Users are never created.
/// </summary>
internal sealed partial class PushwooshStore
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _applications = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _skips = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagDefinition> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Application, string User), Dictionary<string, object>> _values = [];

    /// <summary>How many times each user was sent an append of a value (key <c>{tag}|{value}|{user}</c>).</summary>
    public ConcurrentDictionary<string, int> Appends { get; } = new(StringComparer.Ordinal);

    /// <summary>Treat every user id as registered.</summary>
    public bool AcceptAnyUser { get; set; }

    public void AddApplication(string application)
    {
        lock (_gate)
        {
            _applications.Add(application);
        }
    }

    public bool KnowsApplication(string application)
    {
        lock (_gate)
        {
            return _applications.Contains(application);
        }
    }

    public void AddUsers(IEnumerable<string> users, string application)
    {
        lock (_gate)
        {
            _applications.Add(application);
            if (!_users.TryGetValue(application, out var set))
            {
                _users[application] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(users);
        }
    }

    public void RemoveUsers(IEnumerable<string> users, string application)
    {
        lock (_gate)
        {
            foreach (var user in users)
            {
                _users.GetValueOrDefault(application)?.Remove(user);
                _values.Remove((application, user));
            }
        }
    }

    public void SkipUsers(IEnumerable<string> users, string code)
    {
        lock (_gate)
        {
            foreach (var user in users)
            {
                _skips[user] = code;
            }
        }
    }

    public void AddTag(string name, int type, bool applicationSpecific = true)
    {
        lock (_gate)
        {
            _tags[name] = new TagDefinition(name, type, applicationSpecific);
        }
    }

    /// <summary>Creates a tag unless it exists; returns whether it was created.</summary>
    public bool TryAddTag(string name, int type, bool applicationSpecific)
    {
        lock (_gate)
        {
            return _tags.TryAdd(name, new TagDefinition(name, type, applicationSpecific));
        }
    }

    /// <summary>A tag by name; when missing and <paramref name="createMissing"/>, created from the value's shape (array: list, else string).</summary>
    public TagDefinition? FindTag(string name, bool createMissing, bool isList)
    {
        lock (_gate)
        {
            if (_tags.TryGetValue(name, out var tag) || !createMissing)
            {
                return tag;
            }

            return _tags[name] = new TagDefinition(name, isList ? TagDefinition.ListType : 2, true);
        }
    }

    public IReadOnlyList<TagDefinition> Tags()
    {
        lock (_gate)
        {
            return [.. _tags.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];
        }
    }

    public IReadOnlySet<string> Members(string value, string tag, string application)
    {
        lock (_gate)
        {
            return _values
                .Where(e => e.Key.Application == application && e.Value.TryGetValue(tag, out var v) && v is HashSet<string> set && set.Contains(value))
                .Select(e => e.Key.User)
                .ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Memberships by application, tag and value, for the inspection document.</summary>
    public JsonObject Memberships()
    {
        var memberships = new JsonObject();
        lock (_gate)
        {
            foreach (var ((application, user), values) in _values.OrderBy(v => v.Key.User, StringComparer.Ordinal))
            {
                foreach (var (tag, value) in values)
                {
                    if (value is not HashSet<string> set)
                    {
                        continue;
                    }

                    var byTag = (JsonObject)(memberships[application] ??= new JsonObject());
                    var byValue = (JsonObject)(byTag[tag] ??= new JsonObject());
                    foreach (var item in set)
                    {
                        ((JsonArray)(byValue[item] ??= new JsonArray())).Add(user);
                    }
                }
            }
        }

        return memberships;
    }

    /// <summary>Clears users, skips, tags and values; keeps applications.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _users.Clear();
            _skips.Clear();
            _tags.Clear();
            _values.Clear();
        }

        Appends.Clear();
    }
}
