namespace CohortSync.Core.Definitions;

/// <summary>Where a sync's members come from.</summary>
/// <param name="Type"><c>file</c> (CSV or JSONL at <paramref name="Location"/>), <c>amplitude</c> (cohort id in <paramref name="Location"/>) or <c>amplitude-webhook</c> (a cohort Amplitude pushes; the source id in <paramref name="Location"/>, see <see cref="Sources.Webhooks.CohortWebhookSource"/>).</param>
/// <param name="Location">A file path, or a cohort id.</param>
/// <param name="CohortName">The cohort's display name, used to name the destination's list or cohort.</param>
/// <param name="Settings">Source settings (for Amplitude: <c>region</c>, <c>baseUrl</c>, <c>exportDeadlineMinutes</c>). Never secrets.</param>
/// <param name="SecretName">The secret holding the source's credentials (for Amplitude: <c>api_key:secret_key</c>).</param>
public sealed record SourceDefinition(
    string Type,
    string Location,
    string? CohortName = null,
    IReadOnlyDictionary<string, string>? Settings = null,
    string? SecretName = null)
{
    /// <summary>Reads a setting, or returns the fallback.</summary>
    public string? Setting(string name, string? fallback = null) =>
        Settings is not null && Settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : fallback;
}
