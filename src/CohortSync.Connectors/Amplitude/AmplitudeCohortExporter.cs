using System.Globalization;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;
using CohortSync.Core.Workflow;

namespace CohortSync.Connectors.Amplitude;

/// <summary>
/// Amplitude exports as the workflow drives them. Quotas are a feature (500 downloads a month): a cohort Amplitude has not
/// recomputed since the baseline's export is not downloaded at all, and syncs of one cohort share one export for
/// <c>shareWindowMinutes</c> (default 60) when it holds the properties they need. Settings: <c>exportDeadlineMinutes</c> (default 60),
/// <c>pollMinutes</c> before the first status check (default 2 s; it doubles up to a minute).
/// </summary>
public sealed class AmplitudeCohortExporter : ICohortExporter
{
    /// <summary>The most members Amplitude's cohort export (Behavioral Cohorts API) serves: 2,000,000.</summary>
    public const long MaxExportMembers = 2_000_000;

    private static readonly string[] IdColumns = ["user_id", "amplitude_id"];
    private readonly AmplitudeClient _client;
    private readonly IExportStore _exports;

    /// <summary>Creates the exporter.</summary>
    public AmplitudeCohortExporter(AmplitudeClient client, IExportStore exports)
    {
        _client = client;
        _exports = exports;
    }

    /// <inheritdoc/>
    public bool Serves(SourceDefinition source) =>
        string.Equals(source?.Type, AmplitudeConnection.SourceType, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public async Task<ExportTicket> StartAsync(
        SourceDefinition source, IReadOnlyCollection<string> fields, DateTimeOffset? lastComputedAt, bool force, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var connection = AmplitudeConnection.From(source);
        var cohort = await _client.GetCohortAsync(connection, cancellationToken)
            ?? throw new NotFoundException($"Amplitude has no cohort '{connection.CohortId}' in this project: check the sync's cohort id and the source's region");
        if (cohort.Archived)
        {
            throw new ValidationException($"Amplitude cohort '{connection.CohortId}' is archived: restore it in Amplitude, or point the sync at another cohort");
        }

        if (cohort.Size > MaxExportMembers)
        {
            throw new ValidationException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"Amplitude cohort '{connection.CohortId}' has {cohort.Size:N0} members; Amplitude's cohort export serves at most {MaxExportMembers:N0}: split the cohort, or narrow it, in Amplitude"));
        }

        var deadline = now + TimeSpan.FromMinutes(Minutes(source, "exportDeadlineMinutes", 60));
        var firstPoll = TimeSpan.FromMinutes(Minutes(source, "pollMinutes", 2.0 / 60));
        if (!force && lastComputedAt == cohort.LastComputed)
        {
            return new ExportTicket(ExportState.Unchanged, connection.CohortId, ComputedAt: cohort.LastComputed);
        }

        var properties = fields.Where(f => !IdColumns.Contains(f, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        var window = TimeSpan.FromMinutes(Minutes(source, "shareWindowMinutes", 60));
        for (var attempt = 0; ; attempt++)
        {
            var existing = await _exports.GetExportAsync(connection.CohortKey, cancellationToken);
            if (existing?.Value is { } shared
                && shared.ComputedAt == cohort.LastComputed
                && now - shared.RequestedAt < window
                && properties.All(p => shared.PropertyKeys.Contains(p, StringComparer.OrdinalIgnoreCase)))
            {
                return new ExportTicket(shared.Ready ? ExportState.Ready : ExportState.Requested, connection.CohortId, shared.RequestId, shared.ComputedAt, shared.RequestedAt, deadline, Shared: true, firstPoll);
            }

            var requestId = await _client.RequestExportAsync(connection, properties, cancellationToken);
            var record = new ExportRecord(connection.CohortKey, requestId, connection.CohortId, cohort.LastComputed, now, properties, Ready: false);
            try
            {
                await _exports.SaveExportAsync(record, existing?.ETag, cancellationToken);
            }
            catch (ConcurrencyException) when (attempt < 3)
            {
                // Another sync of the cohort recorded an export at the same moment: share it rather than spend two.
                continue;
            }

            return new ExportTicket(ExportState.Requested, connection.CohortId, requestId, cohort.LastComputed, now, deadline, FirstPollDelay: firstPoll);
        }
    }

    /// <inheritdoc/>
    public async Task<ExportTicket> PollAsync(SourceDefinition source, ExportTicket ticket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var connection = AmplitudeConnection.From(source);
        if (ticket.State != ExportState.Requested || ticket.RequestId is null)
        {
            return ticket;
        }

        var record = await _exports.GetExportAsync(connection.CohortKey, cancellationToken);
        var complete = record?.Value is { Ready: true } known && known.RequestId == ticket.RequestId
            || await _client.IsExportCompleteAsync(connection, ticket.RequestId, cancellationToken);
        if (!complete)
        {
            return ticket;
        }

        if (record?.Value is { Ready: false } pending && pending.RequestId == ticket.RequestId)
        {
            try
            {
                await _exports.SaveExportAsync(pending with { Ready = true }, record.ETag, cancellationToken);
            }
            catch (ConcurrencyException)
            {
                // Another sync got there first; the export is ready either way.
            }
        }

        return ticket with { State = ExportState.Ready };
    }

    private static double Minutes(SourceDefinition source, string setting, double fallback) =>
        double.TryParse(source.Setting(setting), NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0 ? minutes : fallback;
}
