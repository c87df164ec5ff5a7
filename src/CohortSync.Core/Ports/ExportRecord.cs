namespace CohortSync.Core.Ports;

/// <summary>
/// A cohort export shared by the syncs of one cohort: which request holds which version of the cohort, with which
/// properties, and whether its file is downloaded.
/// </summary>
/// <param name="CohortKey">The cohort, qualified by project (several projects may reuse cohort ids).</param>
/// <param name="RequestId">The source's export request id.</param>
/// <param name="CohortId">The source's cohort id.</param>
/// <param name="ComputedAt">The cohort version the export holds.</param>
/// <param name="RequestedAt">When it was requested.</param>
/// <param name="PropertyKeys">The user properties it includes.</param>
/// <param name="Ready">True once the source reported it complete.</param>
public sealed record ExportRecord(
    string CohortKey,
    string RequestId,
    string CohortId,
    DateTimeOffset ComputedAt,
    DateTimeOffset RequestedAt,
    IReadOnlyList<string> PropertyKeys,
    bool Ready);
