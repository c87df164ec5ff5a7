namespace CohortSync.Sandbox.Braze;

/// <summary>The workspace's partner cohorts: what the partner import changes, and what tests read back.</summary>
public sealed partial class BrazeWorkspace
{
    /// <summary>A cohort, or null.</summary>
    public BrazeCohort? Cohort(string cohortId)
    {
        lock (Gate)
        {
            return _cohorts.GetValueOrDefault(cohortId);
        }
    }

    /// <summary>The cohorts.</summary>
    public IReadOnlyList<BrazeCohort> Cohorts
    {
        get
        {
            lock (Gate)
            {
                return _cohorts.Values.ToList();
            }
        }
    }

    /// <summary>The members of a cohort, by <see cref="BrazeProfile.Label"/>.</summary>
    public IReadOnlySet<string> Members(string cohortId)
    {
        lock (Gate)
        {
            return _cohorts.TryGetValue(cohortId, out var cohort)
                ? cohort.MemberSet.Select(p => p.Label).ToHashSet(StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal);
        }
    }

    /// <summary>How many times each profile was named in an add of a cohort (a re-add counts; by label).</summary>
    public IReadOnlyDictionary<string, int> AddDeliveries(string cohortId)
    {
        lock (Gate)
        {
            return _cohorts.TryGetValue(cohortId, out var cohort)
                ? cohort.AddDeliveries.ToDictionary(d => d.Key.Label, d => d.Value, StringComparer.Ordinal)
                : new Dictionary<string, int>(StringComparer.Ordinal);
        }
    }

    /// <summary>Creates or renames a cohort (the cohort-name endpoint). Caller holds <see cref="Gate"/>.</summary>
    internal void NameCohort(string cohortId, string name, string createdAt)
    {
        if (_cohorts.TryGetValue(cohortId, out var cohort) && (cohort.Creates > 0 || cohort.Name is not null))
        {
            cohort.NameCalls++;
            if (!string.Equals(cohort.Name, name, StringComparison.Ordinal))
            {
                cohort.Renames++;
            }
        }
        else
        {
            cohort ??= _cohorts[cohortId] = new BrazeCohort(cohortId);
            cohort.Creates++;
        }

        cohort.Name = name;
        cohort.CreatedAt = createdAt;
    }

    /// <summary>
    /// Applies one change object to a cohort: external ids and aliases match any existing profile, device ids anonymous
    /// profiles only; anything else is ignored. Never creates a profile. Caller holds <see cref="Gate"/>.
    /// </summary>
    internal void Apply(string cohortId, IEnumerable<string> userIds, IEnumerable<string> deviceIds, IEnumerable<BrazeAlias> aliases, bool remove)
    {
        if (!_cohorts.TryGetValue(cohortId, out var cohort))
        {
            // The users endpoint takes a cohort id it has not been told the name of (Segment's key check posts to a
            // made-up cohort id and expects success); the cohort exists from then on, unnamed.
            cohort = _cohorts[cohortId] = new BrazeCohort(cohortId);
        }

        foreach (var id in userIds)
        {
            Touch(cohort, _byExternalId.GetValueOrDefault(id), remove);
        }

        foreach (var alias in aliases)
        {
            Touch(cohort, _byAlias.GetValueOrDefault(alias), remove);
        }

        foreach (var id in deviceIds)
        {
            // "If you pass in a device ID for an identified user, Braze will not add or remove that user."
            Touch(cohort, _byDeviceId.GetValueOrDefault(id) is { IsAnonymous: true } profile ? profile : null, remove);
        }
    }

    private void Touch(BrazeCohort cohort, BrazeProfile? profile, bool remove)
    {
        if (profile is null)
        {
            _ignored++;
        }
        else if (remove)
        {
            cohort.MemberSet.Remove(profile);
        }
        else
        {
            cohort.MemberSet.Add(profile);
            cohort.AddDeliveries[profile] = cohort.AddDeliveries.GetValueOrDefault(profile) + 1;
        }
    }
}
