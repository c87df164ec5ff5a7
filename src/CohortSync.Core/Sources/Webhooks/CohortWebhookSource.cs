using CohortSync.Core.Definitions;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// The <c>amplitude-webhook</c> source: a cohort whose membership Amplitude's Cohort Webhooks destination pushes to
/// <c>POST /api/sources/{sourceId}/amplitude-webhook</c>. The source's <see cref="SourceDefinition.Location"/> is the
/// source id (the route's <c>{sourceId}</c>); its <see cref="SourceDefinition.SecretName"/> names the secret Amplitude sends
/// in <see cref="SecretHeader"/>.
/// </summary>
public static class CohortWebhookSource
{
    /// <summary>The source type in a sync definition.</summary>
    public const string SourceType = "amplitude-webhook";

    /// <summary>The header that carries the shared secret (one of the extra headers Amplitude's destination lets you set).</summary>
    public const string SecretHeader = "X-CohortSync-Secret";

    /// <summary>
    /// The source setting that, set to <c>true</c>, makes the sync run within a minute of an accepted message, whatever its
    /// cadence (the scheduler looks every minute and starts a run only when the source changed).
    /// </summary>
    public const string SyncOnChangeSetting = "syncOnChange";

    /// <summary>The largest body accepted (a larger one is refused with 413 and nothing is stored).</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>The longest message id accepted.</summary>
    public const int MaxMessageIdLength = 512;

    /// <summary>The longest user id accepted (a Table Storage row key holds 1 KiB).</summary>
    public const int MaxUserIdLength = 256;

    /// <summary>The column the member reader yields: Amplitude's <c>user_id</c>.</summary>
    public const string UserIdColumn = "user_id";

    /// <summary>True for a source of this type.</summary>
    public static bool Serves(SourceDefinition? source) =>
        string.Equals(source?.Type, SourceType, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the sync's source is a webhook cohort with <see cref="SyncOnChangeSetting"/> set.</summary>
    public static bool SyncsOnChange(SyncDefinition sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return Serves(sync.Source) && bool.TryParse(sync.Source.Setting(SyncOnChangeSetting), out var on) && on;
    }

    /// <summary>Names each bad field of a webhook source (an empty list when it is valid).</summary>
    public static IReadOnlyList<(string Field, string Problem)> Check(SourceDefinition source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var problems = new List<(string, string)>();
        if (!Runs.RunIds.IsValidEntityId(source.Location))
        {
            problems.Add(("source.location", "must be the source id: 1 to 63 lower-case letters, digits and dashes"));
        }

        if (string.IsNullOrWhiteSpace(source.SecretName))
        {
            problems.Add(("source.secretName", "must name the secret Amplitude sends in the " + SecretHeader + " header"));
        }

        if (source.Setting(SyncOnChangeSetting) is { } onChange && !bool.TryParse(onChange, out _))
        {
            problems.Add(("source.settings." + SyncOnChangeSetting, "must be true or false"));
        }

        return problems;
    }
}
