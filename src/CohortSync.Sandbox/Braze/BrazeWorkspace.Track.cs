namespace CohortSync.Sandbox.Braze;

/// <summary>What <c>/users/track</c> does to the workspace's profiles, and what tests read back.</summary>
public sealed partial class BrazeWorkspace
{
    private long _dataPoints;
    private int _created;

    /// <summary>Custom attribute writes applied (Braze bills each as a data point).</summary>
    public long DataPoints
    {
        get
        {
            lock (Gate)
            {
                return _dataPoints;
            }
        }
    }

    /// <summary>Profiles <c>/users/track</c> created (only objects with <c>_update_existing_only: false</c> create).</summary>
    public int CreatedProfiles
    {
        get
        {
            lock (Gate)
            {
                return _created;
            }
        }
    }

    /// <summary>The profiles (by <see cref="BrazeProfile.Label"/>) whose array attribute holds the value.</summary>
    public IReadOnlySet<string> ArrayHolders(string attribute, string value)
    {
        lock (Gate)
        {
            return _profiles.Where(p => p.Attributes.GetValueOrDefault(attribute) is List<string> list && list.Contains(value, StringComparer.Ordinal))
                .Select(p => p.Label).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>The profiles (by label) whose boolean attribute is true.</summary>
    public IReadOnlySet<string> FlagHolders(string attribute)
    {
        lock (Gate)
        {
            return _profiles.Where(p => p.Attributes.GetValueOrDefault(attribute) is true).Select(p => p.Label).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>A profile's attribute (a copy of an array), or null; the profile is found by label.</summary>
    public object? Attribute(string label, string attribute)
    {
        lock (Gate)
        {
            var value = _profiles.FirstOrDefault(p => p.Label == label)?.Attributes.GetValueOrDefault(attribute);
            return value is List<string> list ? list.ToList() : value;
        }
    }

    /// <summary>
    /// Applies one valid attributes object: finds its profile (external id, alias, email), or creates one unless
    /// <c>_update_existing_only</c> is in force (it is by default for a user alias, as Braze documents); an object whose user
    /// does not exist and may not be created is ignored silently. Caller holds <see cref="Gate"/>.
    /// </summary>
    internal void ApplyTrack(BrazeTrackObject update)
    {
        var profile = update.ExternalId is { } id ? _byExternalId.GetValueOrDefault(id)
            : update.Alias is { } alias ? _byAlias.GetValueOrDefault(alias)
            : update.Email is { } email ? _byEmail.GetValueOrDefault(email)
            : null;
        if (profile is null)
        {
            // A braze_id names a profile Braze made; it cannot be created from outside.
            if (update.BrazeId is not null || (update.UpdateExistingOnly ?? update.Alias is not null))
            {
                _ignored++;
                return;
            }

            profile = Add(new BrazeProfile(update.ExternalId, update.Alias is { } a ? [a] : [], [], update.Email));
            _created++;
        }

        foreach (var write in update.Writes)
        {
            _dataPoints++;
            switch (write.Op)
            {
                case BrazeWriteOp.Set:
                    profile.Attributes[write.Name] = write.Value is string[] array ? array.ToList() : write.Value;
                    break;
                case BrazeWriteOp.Add:
                    var list = profile.Attributes.GetValueOrDefault(write.Name) as List<string> ?? [];
                    list.AddRange(write.Values.Where(v => !list.Contains(v, StringComparer.Ordinal)));
                    profile.Attributes[write.Name] = list;
                    break;
                case BrazeWriteOp.Remove:
                    if (profile.Attributes.GetValueOrDefault(write.Name) is List<string> held)
                    {
                        held.RemoveAll(v => write.Values.Contains(v, StringComparer.Ordinal));
                    }

                    break;
            }
        }
    }
}
