using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Application;

/// <summary>
/// Creates, replaces and deletes destinations and syncs for both hosts. Everything is checked before anything is stored:
/// a bad field is a <see cref="ValidationException"/> naming it, and nothing changes. A destination's key goes to the
/// secret store under its <c>secretName</c>, never to a table, and is never returned.
/// </summary>
public sealed class DefinitionService
{
    private readonly ISyncStore _store;
    private readonly ISecretStore _secrets;
    private readonly IDestinationRegistry _destinations;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    public DefinitionService(ISyncStore store, ISecretStore secrets, IDestinationRegistry destinations, TimeProvider time)
    {
        _store = store;
        _secrets = secrets;
        _destinations = destinations;
        _time = time;
    }

    /// <summary>Creates a destination (and writes its key, if given); 409 if the id is taken.</summary>
    public Task<Saved<DestinationDefinition>> CreateDestinationAsync(DestinationDefinition destination, string? secret, CancellationToken cancellationToken = default) =>
        SaveDestinationAsync(destination, secret, etag: null, create: true, cancellationToken);

    /// <summary>Replaces a destination; with <paramref name="etag"/>, only if it is still that version.</summary>
    public Task<Saved<DestinationDefinition>> ReplaceDestinationAsync(DestinationDefinition destination, string? secret, string? etag, CancellationToken cancellationToken = default) =>
        SaveDestinationAsync(destination, secret, etag, create: false, cancellationToken);

    /// <summary>Deletes a destination no sync uses.</summary>
    public async Task DeleteDestinationAsync(string id, CancellationToken cancellationToken = default)
    {
        _ = await _store.GetDestinationAsync(id, cancellationToken) ?? throw new NotFoundException($"destination '{id}' does not exist");
        var users = (await _store.ListSyncsAsync(cancellationToken)).Where(s => s.DestinationId == id).Select(s => s.Id).ToList();
        if (users.Count > 0)
        {
            throw new ConcurrencyException($"destination '{id}' is used by sync(s) {string.Join(", ", users)}: delete or move them first");
        }

        await _store.DeleteDestinationAsync(id, cancellationToken);
    }

    /// <summary>Creates a sync; 409 if the id is taken.</summary>
    public Task<Saved<SyncDefinition>> CreateSyncAsync(SyncDefinition sync, CancellationToken cancellationToken = default) =>
        SaveSyncAsync(sync, etag: null, create: true, cancellationToken);

    /// <summary>Replaces a sync; with <paramref name="etag"/>, only if it is still that version.</summary>
    public Task<Saved<SyncDefinition>> ReplaceSyncAsync(SyncDefinition sync, string? etag, CancellationToken cancellationToken = default) =>
        SaveSyncAsync(sync, etag, create: false, cancellationToken);

    /// <summary>Deletes a sync with no run under way (its baseline and history stay in storage).</summary>
    public async Task DeleteSyncAsync(string id, CancellationToken cancellationToken = default)
    {
        _ = await _store.GetSyncAsync(id, cancellationToken) ?? throw new NotFoundException($"sync '{id}' does not exist");
        var state = await _store.GetSyncStateAsync(id, cancellationToken);
        if (state?.Value.ActiveRunId is { } active && (await _store.GetRunAsync(active, cancellationToken))?.Value.Status is { } status && !Runs.RunStatuses.IsTerminal(status))
        {
            throw new ConcurrencyException($"sync '{id}' has run '{active}' under way ({status}): wait for it, or reject it if it awaits approval");
        }

        await _store.DeleteSyncAsync(id, cancellationToken);
    }

    // The connector's own check of its settings (IValidatesDestinationSettings), for a known type.
    private void ValidateSettings(DestinationDefinition destination)
    {
        if (_destinations.Types.Contains(destination.Type, StringComparer.OrdinalIgnoreCase)
            && _destinations.Resolve(destination.Type) is IValidatesDestinationSettings connector
            && connector.ValidateSettings(destination) is { Count: > 0 } errors)
        {
            throw new ValidationException(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
        }
    }

    private async Task<Saved<DestinationDefinition>> SaveDestinationAsync(
        DestinationDefinition destination, string? secret, string? etag, bool create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        DefinitionValidator.Validate(destination, _destinations.Types);
        ValidateSettings(destination);
        if (secret is not null && destination.SecretName is null)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["secretName"] = ["a secret needs a secretName to be stored under"] });
        }

        if (secret is { Length: 0 })
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["secret"] = ["must not be empty"] });
        }

        var existing = await _store.GetDestinationAsync(destination.Id, cancellationToken);
        if (create && existing is not null)
        {
            throw new ConcurrencyException($"destination '{destination.Id}' already exists");
        }

        if (!create && existing is null)
        {
            throw new NotFoundException($"destination '{destination.Id}' does not exist");
        }

        var stored = destination with { CreatedAt = existing?.Value.CreatedAt ?? _time.GetUtcNow() };
        if (secret is not null)
        {
            await _secrets.SetSecretAsync(destination.SecretName!, secret, cancellationToken);
        }

        var newTag = await _store.SaveDestinationAsync(stored, create ? null : etag ?? existing!.ETag, cancellationToken);
        return new Saved<DestinationDefinition>(stored, newTag, []);
    }

    /// <summary>
    /// Checks a whole set of definitions, as <c>cohortsync apply</c> saves them, before any is saved: each destination and
    /// sync as its own save would, a sync's destination found among the set or in the store. Throws one
    /// <see cref="ValidationException"/> naming every bad field, each prefixed with its place in the set
    /// (<c>destinations[0].type</c>, <c>syncs[1].destinationId</c>); stores nothing.
    /// </summary>
    public async Task ValidateAllAsync(
        IReadOnlyList<DestinationDefinition> destinations, IReadOnlyList<SyncDefinition> syncs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(syncs);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var inSet = new Dictionary<string, DestinationDefinition>(StringComparer.Ordinal);
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            Collect(errors, $"destinations[{i}]", () =>
            {
                DefinitionValidator.Validate(destination, _destinations.Types);
                ValidateSettings(destination);
            });
            if (destination.Id is { Length: > 0 } id && !inSet.TryAdd(id, destination))
            {
                errors[$"destinations[{i}].id"] = [$"'{id}' is defined twice in this set"];
            }
        }

        var syncIds = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<SyncDefinition>? stored = null;
        for (var i = 0; i < syncs.Count; i++)
        {
            var sync = syncs[i];
            if (!Collect(errors, $"syncs[{i}]", () => DefinitionValidator.Validate(sync)))
            {
                continue;
            }

            if (!syncIds.Add(sync.Id))
            {
                errors[$"syncs[{i}].id"] = [$"'{sync.Id}' is defined twice in this set"];
            }

            var destination = inSet.GetValueOrDefault(sync.DestinationId)
                ?? (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value;
            if (Collect(errors, $"syncs[{i}]", () => CheckDestination(sync, destination)))
            {
                // The set's earlier syncs and the stored syncs it does not replace.
                var earlier = syncs.Take(i).ToList();
                async Task<IEnumerable<SyncDefinition>> Others() =>
                    earlier.Concat((stored ??= await _store.ListSyncsAsync(cancellationToken)).Where(s => !syncs.Any(n => n.Id == s.Id)));
                await CollectAsync(errors, $"syncs[{i}]", () => SyncExclusivityCheck.ThrowIfTakenAsync(
                    _destinations, sync, destination, Others, async (id, ct) => inSet.GetValueOrDefault(id) ?? (await _store.GetDestinationAsync(id, ct))?.Value, cancellationToken));
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    // As Collect, for a check that reads storage.
    private static async Task CollectAsync(Dictionary<string, string[]> errors, string prefix, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (ValidationException ex)
        {
            Collect(errors, prefix, () => throw ex);
        }
    }

    // Runs a check; a ValidationException's fields go into errors under the prefix. False when it failed.
    private static bool Collect(Dictionary<string, string[]> errors, string prefix, Action check)
    {
        try
        {
            check();
            return true;
        }
        catch (ValidationException ex)
        {
            foreach (var (field, messages) in ex.Errors.Count > 0 ? ex.Errors : new Dictionary<string, string[]> { [""] = [ex.Message] })
            {
                errors[field.Length == 0 ? prefix : $"{prefix}.{field}"] = messages;
            }

            return false;
        }
    }

    // The sync's destination exists and takes the kinds of key its identifier chain makes.
    private void CheckDestination(SyncDefinition sync, DestinationDefinition? destination)
    {
        if (destination is null)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["destinationId"] = [$"destination '{sync.DestinationId}' does not exist"] });
        }

        var capabilities = _destinations.Resolve(destination.Type).Describe(destination);
        var unsupported = sync.Identifiers.Select(m => m.Kind).Where(k => !capabilities.KeyKinds.Contains(k)).Distinct().ToList();
        if (unsupported.Count > 0)
        {
            throw new ValidationException(new Dictionary<string, string[]>
            {
                ["identifiers"] = [$"destination type '{destination.Type}' takes keys of kind {string.Join(", ", capabilities.KeyKinds)}, not {string.Join(", ", unsupported)}"],
            });
        }
    }

    private async Task<Saved<SyncDefinition>> SaveSyncAsync(SyncDefinition sync, string? etag, bool create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sync);
        DefinitionValidator.Validate(sync);
        var destination = (await _store.GetDestinationAsync(sync.DestinationId, cancellationToken))?.Value;
        CheckDestination(sync, destination);

        var existing = await _store.GetSyncAsync(sync.Id, cancellationToken);
        if (create && existing is not null)
        {
            throw new ConcurrencyException($"sync '{sync.Id}' already exists");
        }

        if (!create && existing is null)
        {
            throw new NotFoundException($"sync '{sync.Id}' does not exist");
        }

        var stored = sync with { CreatedAt = existing?.Value.CreatedAt ?? _time.GetUtcNow() };
        var others = await _store.ListSyncsAsync(cancellationToken);
        await SyncExclusivityCheck.ThrowIfTakenAsync(
            _destinations, sync, destination, () => Task.FromResult<IEnumerable<SyncDefinition>>(others), async (id, ct) => (await _store.GetDestinationAsync(id, ct))?.Value, cancellationToken);
        var warnings = new List<string>();
        var sameProject = others.Where(s => string.Equals(s.Source.Type, sync.Source.Type, StringComparison.OrdinalIgnoreCase)
            && string.Equals(s.Source.SecretName, sync.Source.SecretName, StringComparison.Ordinal));
        if (QuotaAdvisor.Warn(stored, sameProject, _time.GetUtcNow()) is { } warning)
        {
            warnings.Add(warning);
        }

        var newTag = await _store.SaveSyncAsync(stored, create ? null : etag ?? existing!.ETag, cancellationToken);
        return new Saved<SyncDefinition>(stored, newTag, warnings);
    }
}
