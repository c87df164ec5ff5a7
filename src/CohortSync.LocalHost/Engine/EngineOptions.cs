using System.ComponentModel.DataAnnotations;

namespace CohortSync.LocalHost.Engine;

/// <summary>Which store the local Durable Task engine keeps its task hub in.</summary>
public enum EngineBackend
{
    /// <summary>Durable Task's Azure Storage provider (queues, tables, blobs) on <c>Storage:ConnectionString</c>: the backend
    /// the Functions host's Durable extension uses. Runs survive the process, and processes on one account share the work.</summary>
    AzureStorage,

    /// <summary>In the process's memory: nothing survives it. For tests of the orchestration alone.</summary>
    InMemory,
}

/// <summary>The local host's Durable Task engine. Bound from the <c>Engine</c> configuration section.</summary>
public sealed class EngineOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Engine";

    /// <summary>The backend. <value>Default <see cref="EngineBackend.AzureStorage"/>.</value></summary>
    public EngineBackend Backend { get; set; } = EngineBackend.AzureStorage;

    /// <summary>
    /// The task hub: the name of the queues, tables and blob container the engine keeps its state in. Processes with the
    /// same task hub on the same account share the runs. Letters and digits, starting with a letter, 3 to 45 characters.
    /// <value>Default <c>cohortsync</c>.</value>
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$", ErrorMessage = "Engine:TaskHub must be 3 to 45 letters and digits, starting with a letter")]
    public string TaskHub { get; set; } = "cohortsync";

    /// <summary>This process's worker id; every process needs its own. <value>Default: machine, process id and a random suffix.</value></summary>
    public string? WorkerId { get; set; }

    /// <summary>Control-queue partitions: how many processes can share the orchestrations. <value>Default 4.</value></summary>
    [Range(1, 16)]
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// How soon the work of a process that died is taken up again: the queues' visibility timeout and the partition lease's
    /// length. A running activity's lock is renewed at a third of it, so an activity may run longer. Durable Task's default
    /// is 5 minutes (a killed process's runs wait that long); a local host wants seconds. <value>Default 15 s.</value>
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest wait between two polls of an empty queue (Durable Task's default is 30 s). <value>Default 1 s.</value></summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Activities this process runs at once, across every run. <value>Default 8.</value></summary>
    [Range(1, 256)]
    public int MaxConcurrentActivities { get; set; } = 8;

    /// <summary>Orchestration work items this process runs at once. <value>Default 8.</value></summary>
    [Range(1, 256)]
    public int MaxConcurrentOrchestrations { get; set; } = 8;

    /// <summary>The worker id to use.</summary>
    public string ResolvedWorkerId => WorkerId is { Length: > 0 } id
        ? id
        : $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
