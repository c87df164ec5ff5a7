using System.Globalization;
using System.Text.Json;
using CohortSync.Connectors.Common;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Files;

/// <summary>
/// Writes each batch as JSON lines (<c>{"op","kind","id","label"?,"fields"?}</c>) to
/// <c>{folder}/{syncId}/{runId}/batch-000000.jsonl</c>, for exports and for looking at what a run sends. Each file is
/// written to a temporary name and moved into place, so a re-sent batch replaces its file whole. Settings: <c>folder</c>.
/// </summary>
public sealed class FileConnector : IDestinationConnector
{
    /// <summary>The type name.</summary>
    public const string TypeName = "file";

    private static readonly KeyKind[] AllKinds = Enum.GetValues<KeyKind>();

    /// <inheritdoc/>
    public string Type => TypeName;

    /// <inheritdoc/>
    public DestinationCapabilities Describe(DestinationDefinition destination) => new(10_000, AllKinds, []);

    /// <inheritdoc/>
    public string? Validate(DestinationKey key, string? payload) => null;

    /// <inheritdoc/>
    public string? Validate(ResolvedMember member) => null;

    /// <inheritdoc/>
    public Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = Path.Combine(Folder(destination), request.SyncId);
        Directory.CreateDirectory(folder);
        return Task.FromResult(folder);
    }

    /// <inheritdoc/>
    public async Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = Path.Combine(string.IsNullOrEmpty(request.ContainerId) ? Path.Combine(Folder(destination), request.SyncId) : request.ContainerId, request.RunId);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"batch-{request.BatchNumber:D6}.jsonl"));
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            using var buffer = new MemoryStream();
            foreach (var change in request.Members)
            {
                buffer.SetLength(0);
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    WireFormat.WriteChange(writer, change);
                }

                buffer.WriteByte((byte)'\n');
                await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
            }
        }

        File.Move(temporary, path, overwrite: true);
        return new SendResult([], 1);
    }

    private static string Folder(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.Setting("folder") ?? throw new ValidationException("a file destination needs a 'folder' setting");
    }
}
