using System.Text.Json.Serialization;

namespace CohortSync.Core.Runs;

/// <summary>How a run treats the baseline.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunMode>))]
public enum RunMode
{
    /// <summary>Send only who entered and who left since the baseline.</summary>
    Incremental,

    /// <summary>Send every member again (and remove who left).</summary>
    Full,

    /// <summary>Work out what would be sent; send and store nothing.</summary>
    DryRun,
}
