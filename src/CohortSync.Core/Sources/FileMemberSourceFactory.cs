using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Members;

namespace CohortSync.Core.Sources;

/// <summary>Opens <c>file</c> sources: a CSV or JSONL file, streamed.</summary>
public sealed class FileMemberSourceFactory : ITypedMemberSourceFactory
{
    /// <inheritdoc/>
    public string SourceType => "file";

    /// <inheritdoc/>
    public Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!string.Equals(source.Type, "file", StringComparison.OrdinalIgnoreCase))
        {
            throw new NotFoundException($"no member source of type '{source.Type}'");
        }

        if (!File.Exists(source.Location))
        {
            throw new NotFoundException($"source file '{source.Location}' does not exist");
        }

        // The reader buffers 1 MiB at a time, so the file stream needs no buffer of its own.
        var stream = new FileStream(source.Location, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        try
        {
            return Task.FromResult(MemberFileReader.Open(stream, MemberFileReader.FormatOf(source.Location)));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
