namespace CohortSync.Core.Definitions;

/// <summary>
/// A destination: where members go (a Braze workspace, an Iterable project, a webhook URL, a folder). Holds the name of its
/// secret, never the secret itself.
/// </summary>
public sealed record DestinationDefinition
{
    /// <summary>The id: lower-case letters, digits and dashes.</summary>
    public required string Id { get; init; }

    /// <summary>A display name.</summary>
    public required string Name { get; init; }

    /// <summary>The connector type: <c>webhook</c>, <c>file</c>, <c>braze</c>, <c>iterable</c>, <c>pushwoosh</c>, <c>productboard</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Connector settings (URL, region, folder, list prefix, ...). Never secrets.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>The name of the destination's secret in the secret store, if it needs one.</summary>
    public string? SecretName { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Reads a setting, or returns the fallback.</summary>
    public string? Setting(string name, string? fallback = null) =>
        Settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : fallback;
}
