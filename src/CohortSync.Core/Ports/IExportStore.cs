namespace CohortSync.Core.Ports;

/// <summary>
/// Where exports and their downloaded files live (Table Storage, as compressed chunks): a file is downloaded once and read
/// by every sync of the cohort within the sharing window. Files stream in and out; none is held in memory whole.
/// </summary>
public interface IExportStore
{
    /// <summary>The latest export of a cohort, with its ETag, or null.</summary>
    Task<Versioned<ExportRecord>?> GetExportAsync(string cohortKey, CancellationToken cancellationToken = default);

    /// <summary>Inserts (etag null) or replaces (etag given) a cohort's export record.</summary>
    Task SaveExportAsync(ExportRecord record, string? etag, CancellationToken cancellationToken = default);

    /// <summary>True when the export's file is downloaded completely.</summary>
    Task<bool> HasFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default);

    /// <summary>Stores an export's file from what <paramref name="write"/> writes to the stream it is given; replaces older files of the cohort.</summary>
    Task WriteFileAsync(string cohortKey, string requestId, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Opens a downloaded file for reading, streamed chunk by chunk.</summary>
    Task<Stream> OpenFileAsync(string cohortKey, string requestId, CancellationToken cancellationToken = default);
}
