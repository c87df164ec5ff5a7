using System.Text.Json;
using CohortSync.Core.Application;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CohortSync.Api;

/// <summary>
/// Every route of the HTTP API, one method each, shared by the LocalHost (minimal APIs) and the Functions app (HTTP
/// triggers). Handlers parse and check the request, call the application services of Core, and shape the answer: 400
/// problem details naming each bad field (nothing stored), 404 for unknown ids, 409 for conflicts. Secrets are accepted
/// on destinations and written to the secret store only; no answer ever carries one.
/// </summary>
public sealed class CohortSyncApi
{
    /// <summary>The largest request body read.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private readonly ISyncStore _store;
    private readonly DefinitionService _definitions;
    private readonly RunService _runs;
    private readonly MemberExplainer _explainer;

    /// <summary>Creates the API.</summary>
    public CohortSyncApi(ISyncStore store, DefinitionService definitions, RunService runs, MemberExplainer explainer)
    {
        _store = store;
        _definitions = definitions;
        _runs = runs;
        _explainer = explainer;
    }

    // ---- destinations ---------------------------------------------------------------------------------------------

    /// <summary>GET destinations.</summary>
    public Task<IResult> ListDestinationsAsync(HttpRequest request, CancellationToken ct) =>
        HandleAsync(async () => Results.Json(await _store.ListDestinationsAsync(ct), ApiJson.Options));

    /// <summary>POST destinations.</summary>
    public Task<IResult> CreateDestinationAsync(HttpRequest request, CancellationToken ct) => HandleAsync(async () =>
    {
        var body = await ReadBodyAsync<DestinationBody>(request, ct);
        var saved = await _definitions.CreateDestinationAsync(body.ToDefinition(null), body.Secret, ct);
        return Created(request, "destinations/" + saved.Value.Id, saved);
    });

    /// <summary>GET destinations/{id}.</summary>
    public Task<IResult> GetDestinationAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        var destination = await _store.GetDestinationAsync(id, ct) ?? throw new NotFoundException($"destination '{id}' does not exist");
        return WithETag(request, destination.ETag, Results.Json(destination.Value, ApiJson.Options));
    });

    /// <summary>PUT destinations/{id}.</summary>
    public Task<IResult> ReplaceDestinationAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        var body = await ReadBodyAsync<DestinationBody>(request, ct);
        var saved = await _definitions.ReplaceDestinationAsync(body.ToDefinition(id), body.Secret, IfMatch(request), ct);
        return WithETag(request, saved.ETag, Results.Json(new SavedView<Core.Definitions.DestinationDefinition>(saved.Value, saved.Warnings), ApiJson.Options));
    });

    /// <summary>DELETE destinations/{id}.</summary>
    public Task<IResult> DeleteDestinationAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        await _definitions.DeleteDestinationAsync(id, ct);
        return Results.NoContent();
    });

    // ---- syncs --------------------------------------------------------------------------------------------------

    /// <summary>GET syncs.</summary>
    public Task<IResult> ListSyncsAsync(HttpRequest request, CancellationToken ct) =>
        HandleAsync(async () => Results.Json(await _store.ListSyncsAsync(ct), ApiJson.Options));

    /// <summary>POST syncs.</summary>
    public Task<IResult> CreateSyncAsync(HttpRequest request, CancellationToken ct) => HandleAsync(async () =>
    {
        var body = await ReadBodyAsync<SyncBody>(request, ct);
        var saved = await _definitions.CreateSyncAsync(body.ToDefinition(null), ct);
        return Created(request, "syncs/" + saved.Value.Id, saved);
    });

    /// <summary>GET syncs/{id}.</summary>
    public Task<IResult> GetSyncAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        var sync = await _store.GetSyncAsync(id, ct) ?? throw new NotFoundException($"sync '{id}' does not exist");
        return WithETag(request, sync.ETag, Results.Json(sync.Value, ApiJson.Options));
    });

    /// <summary>PUT syncs/{id}.</summary>
    public Task<IResult> ReplaceSyncAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        var body = await ReadBodyAsync<SyncBody>(request, ct);
        var saved = await _definitions.ReplaceSyncAsync(body.ToDefinition(id), IfMatch(request), ct);
        return WithETag(request, saved.ETag, Results.Json(new SavedView<Core.Definitions.SyncDefinition>(saved.Value, saved.Warnings), ApiJson.Options));
    });

    /// <summary>DELETE syncs/{id}.</summary>
    public Task<IResult> DeleteSyncAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        await _definitions.DeleteSyncAsync(id, ct);
        return Results.NoContent();
    });

    // ---- runs ---------------------------------------------------------------------------------------------------

    /// <summary>POST syncs/{id}/runs?mode=incremental|full|dryrun: 202 with the status URL; 200 with the run already under way.</summary>
    /// <param name="request">The request.</param>
    /// <param name="id">The sync's id.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <param name="management">The host's management links of a run it started, by run id (the Functions app's Durable
    /// management URLs), or null.</param>
    public Task<IResult> StartRunAsync(HttpRequest request, string id, CancellationToken ct, Func<string, object>? management = null) => HandleAsync(async () =>
    {
        var mode = ParseMode(request.Query["mode"].ToString());
        var result = await _runs.StartAsync(id, mode, cancellationToken: ct);
        var statusUri = Link(request, "runs/" + result.Run.RunId);
        var view = new StartView(result.Run.RunId, result.Started, result.Run.Status, statusUri, result.Started ? management?.Invoke(result.Run.RunId) : null);
        if (!result.Started)
        {
            return Results.Json(view, ApiJson.Options);
        }

        AddLocation(request, statusUri);
        return Results.Json(view, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    });

    /// <summary>GET syncs/{id}/runs: the sync's runs, newest first.</summary>
    public Task<IResult> ListRunsAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        _ = await _store.GetSyncAsync(id, ct) ?? throw new NotFoundException($"sync '{id}' does not exist");
        var max = int.TryParse(request.Query["max"], out var n) && n is > 0 and <= 500 ? n : 50;
        return Results.Json(await _store.ListRunsAsync(id, max, ct), ApiJson.Options);
    });

    /// <summary>GET syncs/{id}/status: the sync's state, including slots the scheduler skipped because the source was unchanged.</summary>
    public Task<IResult> GetSyncStatusAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        _ = await _store.GetSyncAsync(id, ct) ?? throw new NotFoundException($"sync '{id}' does not exist");
        var state = (await _store.GetSyncStateAsync(id, ct))?.Value ?? new SyncState { SyncId = id };
        return Results.Json(SyncStatusView.From(state), ApiJson.Options);
    });

    /// <summary>GET runs/{runId}: status and progress.</summary>
    public Task<IResult> GetRunAsync(HttpRequest request, string runId, CancellationToken ct) => HandleAsync(async () =>
    {
        var progress = await _runs.GetProgressAsync(CheckRunId(runId), ct);
        return Results.Json(new RunView(progress.Run, progress.BatchesSettled, progress.Run.Plan?.BatchCount ?? 0), ApiJson.Options);
    });

    /// <summary>POST runs/{runId}/approve.</summary>
    public Task<IResult> ApproveRunAsync(HttpRequest request, string runId, CancellationToken ct) => DecideAsync(request, runId, approve: true, ct);

    /// <summary>POST runs/{runId}/reject.</summary>
    public Task<IResult> RejectRunAsync(HttpRequest request, string runId, CancellationToken ct) => DecideAsync(request, runId, approve: false, ct);

    /// <summary>GET syncs/{id}/explain?userId=|email=|deviceId=|externalId=|key=: the member's story.</summary>
    public Task<IResult> ExplainMemberAsync(HttpRequest request, string id, CancellationToken ct) => HandleAsync(async () =>
    {
        var key = KeyFrom(request.Query);
        return Results.Json(await _explainer.ExplainAsync(id, key, ct), ApiJson.Options);
    });

    /// <summary>GET openapi.json.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "One instance API for both hosts to call.")]
    public Task<IResult> OpenApiAsync(HttpRequest request, CancellationToken ct) =>
        Task.FromResult(Results.Text(OpenApiDocument.Json, "application/json"));

    // ---- plumbing -----------------------------------------------------------------------------------------------

    private Task<IResult> DecideAsync(HttpRequest request, string runId, bool approve, CancellationToken ct) => HandleAsync(async () =>
    {
        var body = request.ContentLength is > 0 ? await ReadBodyAsync<DecisionBody>(request, ct) : new DecisionBody(null);
        var run = await _runs.DecideAsync(CheckRunId(runId), approve, body.By, ct);
        return Results.Json(run, ApiJson.Options);
    });

    private static async Task<IResult> HandleAsync(Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (ValidationException ex)
        {
            return Results.ValidationProblem(ex.Errors.ToDictionary(e => e.Key, e => e.Value), title: "The request is not valid; nothing was stored.");
        }
        catch (NotFoundException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }
        catch (ConcurrencyException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
        }
        catch (BodyTooLargeException)
        {
            return Results.Problem($"The body is larger than {MaxBodyBytes / 1024} KiB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
        }
    }

    private static async Task<T> ReadBodyAsync<T>(HttpRequest request, CancellationToken ct)
        where T : class
    {
        var bytes = await RequestBody.ReadAsync(request, MaxBodyBytes, ct) ?? throw new BodyTooLargeException();
        if (bytes.Length == 0)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["body"] = ["a JSON body is required"] });
        }

        try
        {
            using var syntax = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["body"] = [$"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})"] });
        }

        try
        {
            return JsonSerializer.Deserialize<T>(bytes.Span, ApiJson.Options)
                ?? throw new ValidationException(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
        }
        catch (JsonException ex)
        {
            // The path names the field; the message of a JsonException may quote input, so it is not passed on.
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var problem = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "is not a known field" : "has the wrong type or value";
            throw new ValidationException(new Dictionary<string, string[]> { [field] = [problem] });
        }
    }

    private static RunMode ParseMode(string? text) => text?.Replace("-", string.Empty, StringComparison.Ordinal).ToUpperInvariant() switch
    {
        null or "" or "INCREMENTAL" => RunMode.Incremental,
        "FULL" => RunMode.Full,
        "DRYRUN" => RunMode.DryRun,
        _ => throw new ValidationException(new Dictionary<string, string[]> { ["mode"] = ["must be incremental, full or dryrun"] }),
    };

    private static string CheckRunId(string runId) => RunIds.IsValidRunId(runId)
        ? runId
        : throw new ValidationException(new Dictionary<string, string[]> { ["runId"] = ["is not a run id"] });

    private static DestinationKey KeyFrom(IQueryCollection query)
    {
        string? Get(string name) => query.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
        var candidates = new (string Name, Func<string, DestinationKey> Make)[]
        {
            ("userId", v => new DestinationKey(KeyKind.UserId, v)),
            ("email", v => new DestinationKey(KeyKind.Email, v)),
            ("deviceId", v => new DestinationKey(KeyKind.DeviceId, v)),
            ("externalId", v => new DestinationKey(KeyKind.ExternalId, v)),
        };
        if (Get("key") is { } encoded)
        {
            try
            {
                return DestinationKey.Decode(encoded);
            }
            catch (FormatException)
            {
                throw new ValidationException(new Dictionary<string, string[]> { ["key"] = ["is not an encoded key (kind:label:value)"] });
            }
        }

        foreach (var (name, make) in candidates)
        {
            if (Get(name) is { } value)
            {
                return make(value);
            }
        }

        if (Get("alias") is { } alias)
        {
            return new DestinationKey(KeyKind.Alias, alias, Get("label") ?? throw new ValidationException(new Dictionary<string, string[]> { ["label"] = ["an alias needs its label"] }));
        }

        throw new ValidationException(new Dictionary<string, string[]> { ["query"] = ["give one of userId, email, deviceId, externalId, alias (with label) or key"] });
    }

    // The ETag goes back exactly as this API handed it out; "*" or none means "whatever is stored".
    private static string? IfMatch(HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString();
        return string.IsNullOrWhiteSpace(value) || value == "*" ? null : value;
    }

    private static IResult Created<T>(HttpRequest request, string path, Saved<T> saved)
    {
        AddLocation(request, Link(request, path));
        request.HttpContext.Response.Headers.ETag = saved.ETag;
        return Results.Json(new SavedView<T>(saved.Value, saved.Warnings), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static IResult WithETag(HttpRequest request, string etag, IResult result)
    {
        request.HttpContext.Response.Headers[HeaderNames.ETag] = etag;
        return result;
    }

    private static void AddLocation(HttpRequest request, string uri) => request.HttpContext.Response.Headers.Location = uri;

    // Links keep the host's route prefix (Functions: /api; LocalHost: /api) by being built from the request's own path base.
    private static string Link(HttpRequest request, string path) => $"{request.Scheme}://{request.Host}{request.PathBase}/api/{path}";

    private sealed class BodyTooLargeException : Exception
    {
    }
}
