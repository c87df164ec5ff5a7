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
    public Task<IEnumerable<MemberRecord>> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken)
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

        return Task.FromResult(Read(source.Location));
    }

    private static IEnumerable<MemberRecord> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        foreach (var record in MemberFileReader.Read(stream, MemberFileReader.FormatOf(path)))
        {
            yield return record;
        }
    }
}
