namespace CohortSync.Sandbox.Braze;

/// <summary>
/// A Braze workspace (app group) on one cluster, known by its Data Import Key (<c>client_secret</c>, partner import) and its
/// REST API key (<c>/users/track</c>): its existing users, their custom attributes, and its partner cohorts. Thread-safe:
/// every change and read takes the workspace's lock.
/// </summary>
public sealed partial class BrazeWorkspace
{
    private readonly List<BrazeProfile> _profiles = [];
    private readonly Dictionary<string, BrazeProfile> _byExternalId = new(StringComparer.Ordinal);
    private readonly Dictionary<BrazeAlias, BrazeProfile> _byAlias = [];
    private readonly Dictionary<string, BrazeProfile> _byDeviceId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BrazeProfile> _byEmail = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, BrazeCohort> _cohorts = new(StringComparer.Ordinal);
    private int _ignored;

    internal BrazeWorkspace(string name, string cluster, string clientSecret, bool partnerEnabled)
    {
        Name = name;
        Cluster = cluster;
        ClientSecret = clientSecret;
        PartnerEnabled = partnerEnabled;
    }

    /// <summary>A name for the inspection route (never the key).</summary>
    public string Name { get; }

    /// <summary>The cluster hosting the workspace, e.g. <c>US-03</c>.</summary>
    public string Cluster { get; }

    /// <summary>The REST API key <c>/users/track</c> takes as <c>Authorization: Bearer</c>; null for none. Set it to rotate the key.</summary>
    public string? RestApiKey { get; set; }

    /// <summary>The Data Import Key; set it to rotate the key.</summary>
    public string ClientSecret { get; set; }

    /// <summary>Whether the workspace has enabled the partner (otherwise 401 "Partner not enabled ...").</summary>
    public bool PartnerEnabled { get; set; }

    internal Lock Gate { get; } = new();

    /// <summary>Identifiers that matched no profile (or a device id of an identified profile), ignored silently.</summary>
    public int IgnoredIdentifiers
    {
        get
        {
            lock (Gate)
            {
                return _ignored;
            }
        }
    }

    /// <summary>The profiles that exist.</summary>
    public int ProfileCount
    {
        get
        {
            lock (Gate)
            {
                return _profiles.Count;
            }
        }
    }

    /// <summary>Adds an identified profile (with an external id).</summary>
    public BrazeProfile AddIdentifiedUser(string externalId, IEnumerable<BrazeAlias>? aliases = null, IEnumerable<string>? deviceIds = null, string? email = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        return Add(new BrazeProfile(externalId, aliases?.ToArray() ?? [], deviceIds?.ToArray() ?? [], email));
    }

    /// <summary>Adds a profile known only by an email address (and perhaps aliases).</summary>
    public BrazeProfile AddEmailUser(string email, IEnumerable<BrazeAlias>? aliases = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(email);
        return Add(new BrazeProfile(null, aliases?.ToArray() ?? [], [], email));
    }

    /// <summary>Adds identified profiles for external ids.</summary>
    public void AddIdentifiedUsers(IEnumerable<string> externalIds)
    {
        ArgumentNullException.ThrowIfNull(externalIds);
        foreach (var id in externalIds)
        {
            AddIdentifiedUser(id);
        }
    }

    /// <summary>Adds an anonymous profile (no external id), known by device ids and perhaps aliases.</summary>
    public BrazeProfile AddAnonymousUser(IEnumerable<string> deviceIds, IEnumerable<BrazeAlias>? aliases = null)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        return Add(new BrazeProfile(null, aliases?.ToArray() ?? [], deviceIds.ToArray()));
    }

    /// <summary>Forgets profiles and cohorts.</summary>
    public void Clear()
    {
        lock (Gate)
        {
            _profiles.Clear();
            _byExternalId.Clear();
            _byAlias.Clear();
            _byDeviceId.Clear();
            _byEmail.Clear();
            _cohorts.Clear();
            _dataPoints = 0;
            _created = 0;
            _ignored = 0;
        }
    }

    private BrazeProfile Add(BrazeProfile profile)
    {
        lock (Gate)
        {
            if ((profile.ExternalId is { } id && _byExternalId.ContainsKey(id))
                || profile.Aliases.Any(_byAlias.ContainsKey)
                || profile.DeviceIds.Any(_byDeviceId.ContainsKey)
                || (profile.Email is { } mail && _byEmail.ContainsKey(mail)))
            {
                throw new InvalidOperationException("a profile with one of these identifiers exists already");
            }

            _profiles.Add(profile);
            if (profile.ExternalId is { } externalId)
            {
                _byExternalId[externalId] = profile;
            }

            foreach (var alias in profile.Aliases)
            {
                _byAlias[alias] = profile;
            }

            foreach (var device in profile.DeviceIds)
            {
                _byDeviceId[device] = profile;
            }

            if (profile.Email is { } email)
            {
                _byEmail[email] = profile;
            }

            return profile;
        }
    }
}
