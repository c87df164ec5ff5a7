using System.Text.Json.Nodes;

namespace CohortSync.Sandbox.Pushwoosh;

/// <summary>The kinds of Pushwoosh API access token.</summary>
public enum PushwooshTokenKind
{
    /// <summary>Server API token: every method but the Device API, in the body's <c>auth</c> field.</summary>
    Server,

    /// <summary>Device API token: Device API methods only, in <c>Authorization: Token …</c>.</summary>
    Device,
}

/// <summary>The states of a bulk request (names UNVERIFIED: Pushwoosh documents only <c>Pending</c>).</summary>
public static class BulkJobStatus
{
    /// <summary>Queued, not picked up yet.</summary>
    public const string Pending = "Pending";

    /// <summary>Picked up; its changes land when the processing delay has passed.</summary>
    public const string Processing = "Processing";

    /// <summary>Done; devices that could not be updated are listed in the detailed status.</summary>
    public const string Completed = "Completed";

    /// <summary>Failed as a whole; nothing was applied.</summary>
    public const string Failed = "Failed";
}

/// <summary>A token's kind and the applications it may act on (empty: every application).</summary>
internal sealed record TokenGrant(PushwooshTokenKind Kind, IReadOnlySet<string> Applications)
{
    public bool Allows(string application) => Applications.Count == 0 || Applications.Contains(application);
}

/// <summary>A tag definition.</summary>
internal sealed record TagDefinition(string Name, int Type, bool ApplicationSpecific)
{
    public const int ListType = 3;

    public bool IsList => Type == ListType;
}

/// <summary>One tag change for one user or device: a list operation with values, or a scalar value.</summary>
internal sealed record TagOperation(string Tag, string Operator, IReadOnlyList<string> Values, JsonNode? Scalar);

/// <summary>One device of a bulk request, or the target of a setTags call: which identifier, which value, what to change.</summary>
internal sealed record DeviceOperation(string IdentifierKind, string Identifier, IReadOnlyList<TagOperation> Tags);

/// <summary>A device a bulk request did not update: an error (unknown user or device), or a skip (<see cref="Skipped"/>).</summary>
internal sealed record DeviceError(string IdentifierKind, string Identifier, string Code, string Message, bool Skipped = false);

/// <summary>A bulk request and its progress. The worker writes it; request threads read it once it is terminal.</summary>
internal sealed class BulkJob(string id, string application, string token, IReadOnlyList<DeviceOperation> devices)
{
    private volatile string _status = BulkJobStatus.Pending;

    public string Id { get; } = id;

    public string Application { get; } = application;

    public string Token { get; } = token;

    public IReadOnlyList<DeviceOperation> Devices { get; } = devices;

    public string Status
    {
        get => _status;
        set => _status = value;
    }

    public List<DeviceError> Errors { get; } = [];
}

/// <summary>Work the sandbox applies later, in arrival order, as Pushwoosh applies tag changes asynchronously.</summary>
internal abstract record QueuedWork(DateTimeOffset DueAt);

internal sealed record BulkWork(DateTimeOffset DueAt, BulkJob Job, bool Fail) : QueuedWork(DueAt);

internal sealed record SetTagsWork(DateTimeOffset DueAt, string Application, DeviceOperation Device) : QueuedWork(DueAt);
