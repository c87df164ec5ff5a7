using CohortSync.Core.Errors;
using CohortSync.Core.Runs;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Definitions;

/// <summary>Checks destinations and syncs before they are stored; every bad field is named, and nothing is stored.</summary>
public static class DefinitionValidator
{
    /// <summary>Secret names CohortSync keeps for itself.</summary>
    public const string ReservedSecretPrefix = "cohortsync-";

    /// <summary>Throws <see cref="ValidationException"/> naming each bad field of a destination.</summary>
    public static void Validate(DestinationDefinition destination, IReadOnlyCollection<string> knownTypes)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(knownTypes);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!RunIds.IsValidEntityId(destination.Id))
        {
            Add(errors, "id", "must be 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit");
        }

        if (string.IsNullOrWhiteSpace(destination.Name) || destination.Name.Length > 200)
        {
            Add(errors, "name", "must be 1 to 200 characters");
        }

        if (!knownTypes.Contains(destination.Type, StringComparer.OrdinalIgnoreCase))
        {
            Add(errors, "type", $"unknown destination type; known types: {string.Join(", ", knownTypes.Order(StringComparer.Ordinal))}");
        }

        if (destination.SecretName is { } secret && (secret.Length is 0 or > 127 || !secret.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            Add(errors, "secretName", "must be 1 to 127 letters, digits and dashes (a Key Vault secret name)");
        }
        else if (destination.SecretName?.StartsWith(ReservedSecretPrefix, StringComparison.OrdinalIgnoreCase) == true)
        {
            // The app's own secrets (the storage connection string) share the vault: a destination must not overwrite them.
            Add(errors, "secretName", $"names starting with '{ReservedSecretPrefix}' are reserved for CohortSync's own secrets");
        }

        Throw(errors);
    }

    /// <summary>Throws <see cref="ValidationException"/> naming each bad field of a sync.</summary>
    public static void Validate(SyncDefinition sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!RunIds.IsValidEntityId(sync.Id))
        {
            Add(errors, "id", "must be 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit");
        }

        if (string.IsNullOrWhiteSpace(sync.Name) || sync.Name.Length > 200)
        {
            Add(errors, "name", "must be 1 to 200 characters");
        }

        if (!RunIds.IsValidEntityId(sync.DestinationId))
        {
            Add(errors, "destinationId", "must name a destination");
        }

        if (sync.Source is null || string.IsNullOrWhiteSpace(sync.Source.Type) || string.IsNullOrWhiteSpace(sync.Source.Location))
        {
            Add(errors, "source", "needs a type and a location");
        }
        else if (Sources.Webhooks.CohortWebhookSource.Serves(sync.Source))
        {
            foreach (var (field, problem) in Sources.Webhooks.CohortWebhookSource.Check(sync.Source))
            {
                Add(errors, field, problem);
            }
        }

        if (!Cadence.TryParse(sync.Cadence, out _, out var cadenceError))
        {
            Add(errors, "cadence", cadenceError);
        }

        if (sync.Identifiers is null || sync.Identifiers.Count == 0)
        {
            Add(errors, "identifiers", "needs at least one mapping from a source field to a key kind");
        }
        else if (sync.Identifiers.Any(m => string.IsNullOrWhiteSpace(m.SourceField) || !Enum.IsDefined(m.Kind)))
        {
            Add(errors, "identifiers", "every mapping needs a source field and a known kind (UserId, Email, DeviceId, Alias, ExternalId)");
        }
        else if (sync.Identifiers.Any(m => m.Kind == Identity.KeyKind.Alias && string.IsNullOrWhiteSpace(m.Label)))
        {
            Add(errors, "identifiers", "an Alias mapping needs a label");
        }

        if (sync.Carry?.Any(c => string.IsNullOrWhiteSpace(c.SourceField) || string.IsNullOrWhiteSpace(c.Name)) == true)
        {
            Add(errors, "carry", "every carried field needs a source field and a name");
        }

        if (sync.BatchSize is < 1 or > 10_000)
        {
            Add(errors, "batchSize", "must be between 1 and 10,000");
        }

        foreach (var (field, message) in Notifications.NotificationValidator.Check(sync.Notifications, "notifications"))
        {
            Add(errors, field, message);
        }

        if (sync.Guardrail is null || sync.Guardrail.MaxRemovalFraction is < 0 or > 1 || sync.Guardrail.MinBaseline < 0)
        {
            Add(errors, "guardrail", "maxRemovalFraction must be between 0 and 1 and minBaseline at least 0");
        }

        Throw(errors);
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    private static void Throw(Dictionary<string, List<string>> errors)
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
