namespace CohortSync.Trials;

/// <summary>The local host's configuration for a trial: storage, table prefix, secrets, and a runner that retries quickly.</summary>
public static class Settings
{
    /// <summary>The settings, keyed as configuration keys (<c>Storage:ConnectionString</c>, ...).</summary>
    public static IReadOnlyDictionary<string, string> For(string connectionString, string tablePrefix, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = tablePrefix,
            ["Runner:BaseDelay"] = "00:00:00.100",
            ["Runner:MaxDelay"] = "00:00:02",
            ["Runner:MaxRetryAttempts"] = "5",
        };
        foreach (var (name, value) in secrets)
        {
            settings["Secrets:" + name] = value;
        }

        return settings;
    }
}
