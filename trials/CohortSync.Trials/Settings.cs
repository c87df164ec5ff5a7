namespace CohortSync.Trials;

/// <summary>
/// The local host's configuration for a trial: storage, table prefix, secrets, a task hub of the trial's own on Durable
/// Task's Azure Storage backend that takes up a killed process's work within seconds, and activity retries a second apart.
/// </summary>
public static class Settings
{
    /// <summary>How soon a killed process's runs are taken up again (the queues' visibility timeout and the lease's length).</summary>
    public static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The settings, keyed as configuration keys (<c>Storage:ConnectionString</c>, ...).</summary>
    public static IReadOnlyDictionary<string, string> For(string connectionString, string tablePrefix, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Storage:TablePrefix"] = tablePrefix,
            ["Engine:Backend"] = "AzureStorage",
            ["Engine:TaskHub"] = "hub" + tablePrefix,
            ["Engine:PartitionCount"] = "1",
            ["Engine:RecoveryTimeout"] = RecoveryTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Engine:MaxQueuePollingInterval"] = "00:00:00.250",
            ["Workflow:Retry:MaxAttempts"] = "8",
            ["Workflow:Retry:FirstInterval"] = "00:00:01",
            ["Workflow:Retry:MaxInterval"] = "00:00:04",
        };
        foreach (var (name, value) in secrets)
        {
            settings["Secrets:" + name] = value;
        }

        return settings;
    }
}
