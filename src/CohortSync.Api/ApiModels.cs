using System.Text.Json;
using System.Text.Json.Serialization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;

namespace CohortSync.Api;

/// <summary>The JSON the API reads and writes: camelCase, enums as strings.</summary>
public static class ApiJson
{
    /// <summary>The serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>A destination as a request body: the definition, plus its key to store in the secret store (never returned).</summary>
public sealed record DestinationBody(
    string? Id,
    string? Name,
    string? Type,
    Dictionary<string, string>? Settings,
    string? SecretName,
    string? Secret)
{
    /// <summary>The definition, with each missing required field named.</summary>
    public DestinationDefinition ToDefinition(string? routeId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var id = RequireId(routeId, Id, errors);
        Require(Name, "name", errors);
        Require(Type, "type", errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new DestinationDefinition { Id = id!, Name = Name!, Type = Type!, Settings = Settings ?? [], SecretName = SecretName };
    }

    internal static string? RequireId(string? routeId, string? bodyId, Dictionary<string, string[]> errors)
    {
        if (routeId is not null && bodyId is not null && !string.Equals(routeId, bodyId, StringComparison.Ordinal))
        {
            errors["id"] = ["must match the id in the URL"];
        }

        var id = routeId ?? bodyId;
        Require(id, "id", errors);
        return id;
    }

    internal static void Require(object? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null || (value is string s && string.IsNullOrWhiteSpace(s)))
        {
            errors[field] = ["is required"];
        }
    }
}

/// <summary>A sync as a request body.</summary>
public sealed record SyncBody(
    string? Id,
    string? Name,
    string? DestinationId,
    SourceDefinition? Source,
    string? Cadence,
    List<IdentifierMapping>? Identifiers,
    List<CarriedField>? Carry,
    GuardrailSettings? Guardrail,
    int? BatchSize,
    bool? Enabled,
    List<NotificationTarget>? Notifications = null)
{
    /// <summary>The definition, with each missing required field named.</summary>
    public SyncDefinition ToDefinition(string? routeId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var id = DestinationBody.RequireId(routeId, Id, errors);
        DestinationBody.Require(Name, "name", errors);
        DestinationBody.Require(DestinationId, "destinationId", errors);
        DestinationBody.Require(Source, "source", errors);
        DestinationBody.Require(Identifiers, "identifiers", errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new SyncDefinition
        {
            Id = id!,
            Name = Name!,
            DestinationId = DestinationId!,
            Source = Source!,
            Cadence = Cadence ?? "manual",
            Identifiers = Identifiers!,
            Carry = Carry ?? [],
            Guardrail = Guardrail ?? GuardrailSettings.Default,
            BatchSize = BatchSize,
            Enabled = Enabled ?? true,
            Notifications = Notifications,
        };
    }
}

/// <summary>A saved definition with the warnings its save raised.</summary>
public sealed record SavedView<T>(T Definition, IReadOnlyList<string> Warnings);

/// <summary>A sync's state as the API shows it.</summary>
/// <param name="SyncId">The sync.</param>
/// <param name="ActiveRunId">The run under way, if any.</param>
/// <param name="LastRunId">The last run to finish.</param>
/// <param name="LastRunStatus">How it finished.</param>
/// <param name="LastScheduledSlot">The latest schedule slot handled, by a run or by a check.</param>
/// <param name="LastCheck">The scheduler's last check that found the source unchanged and so started no run.</param>
/// <param name="ContainerId">The destination's container (cohort, list, tag, company), once created.</param>
public sealed record SyncStatusView(
    string SyncId, string? ActiveRunId, string? LastRunId, RunStatus? LastRunStatus, DateTimeOffset? LastScheduledSlot, SourceCheck? LastCheck, string? ContainerId)
{
    /// <summary>The view of a stored state.</summary>
    public static SyncStatusView From(SyncState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(state.SyncId, state.ActiveRunId, state.LastRunId, state.LastRunStatus, state.LastScheduledSlot, state.LastCheck, state.ContainerId);
    }
}

/// <summary>A run with its progress.</summary>
public sealed record RunView(RunRecord Run, int BatchesSettled, int BatchCount);

/// <summary>
/// The answer to a start request, the same from both hosts. The Functions app adds the Durable Functions management URLs of
/// the run's orchestration (<c>statusQueryGetUri</c>, <c>sendEventPostUri</c>, <c>terminatePostUri</c>, ...) as
/// <see cref="Management"/>; the local host has none.
/// </summary>
public sealed record StartView(string RunId, bool Started, RunStatus Status, string StatusUri, object? Management = null);

/// <summary>An approval decision body.</summary>
public sealed record DecisionBody(string? By);
