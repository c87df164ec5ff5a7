using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Sources;

/// <summary>A member source factory for one source type; <see cref="MemberSourceRouter"/> routes to it.</summary>
public interface ITypedMemberSourceFactory : IMemberSourceFactory
{
    /// <summary>The source type it opens (<c>file</c>, <c>amplitude</c>).</summary>
    string SourceType { get; }
}

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

/// <summary>Routes a source to the factory for its type.</summary>
public sealed class MemberSourceRouter : IMemberSourceFactory
{
    private readonly IReadOnlyDictionary<string, IMemberSourceFactory> _factories;

    /// <summary>Creates the router from every registered typed factory.</summary>
    public MemberSourceRouter(IEnumerable<ITypedMemberSourceFactory> factories) =>
        _factories = factories.ToDictionary(f => f.SourceType, f => (IMemberSourceFactory)f, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, Workflow.ExportTicket? exportTicket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _factories.TryGetValue(source.Type, out var factory)
            ? factory.OpenAsync(source, fields, exportTicket, cancellationToken)
            : throw new NotFoundException($"no member source of type '{source.Type}'; known: {string.Join(", ", _factories.Keys)}");
    }
}
