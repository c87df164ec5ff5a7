using System.Collections.Concurrent;
using CohortSync.Core.Definitions;
using CohortSync.Core.Members;
using CohortSync.Core.Ports;
using CohortSync.Core.Sources;
using CohortSync.Core.Workflow;

namespace CohortSync.Connectors.Amplitude;

/// <summary>
/// Opens an Amplitude cohort's members for Prepare: downloads the run's export file once into the export store (streaming,
/// compressed piece by piece) unless a sync of the same cohort already did, then streams it through the CSV reader.
/// Amplitude's CSV has a header, <c>user_id</c>, <c>amplitude_id</c> and one column per property, every value prefixed with
/// a tab; <see cref="MemberFileReader"/> cleans that.
/// </summary>
public sealed class AmplitudeMemberSourceFactory : ITypedMemberSourceFactory
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Downloads = new(StringComparer.Ordinal);
    private readonly AmplitudeClient _client;
    private readonly IExportStore _exports;

    /// <summary>Creates the factory.</summary>
    public AmplitudeMemberSourceFactory(AmplitudeClient client, IExportStore exports)
    {
        _client = client;
        _exports = exports;
    }

    /// <inheritdoc/>
    public string SourceType => AmplitudeConnection.SourceType;

    /// <inheritdoc/>
    public async Task<MemberReader> OpenAsync(SourceDefinition source, IReadOnlyCollection<string> fields, ExportTicket? exportTicket, CancellationToken cancellationToken)
    {
        var connection = AmplitudeConnection.From(source);
        if (exportTicket is not { State: ExportState.Ready, RequestId: { } requestId })
        {
            throw new InvalidOperationException($"the Amplitude export of cohort '{connection.CohortId}' is not ready");
        }

        // One download per export in this process; across processes the store's completion marker decides.
        var gate = Downloads.GetOrAdd(connection.CohortKey + "|" + requestId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!await _exports.HasFileAsync(connection.CohortKey, requestId, cancellationToken))
            {
                await _exports.WriteFileAsync(
                    connection.CohortKey,
                    requestId,
                    (target, token) => _client.DownloadAsync(connection, requestId, target, token),
                    cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }

        var file = await _exports.OpenFileAsync(connection.CohortKey, requestId, cancellationToken);
        try
        {
            return MemberFileReader.Open(file, MemberFileFormat.Csv);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
