namespace CohortSync.Core.Ports;

/// <summary>The destination's verdict on a batch: refused changes with reasons; the rest were accepted.</summary>
/// <param name="Rejections">Refused changes.</param>
/// <param name="Requests">Requests the send took.</param>
/// <param name="RequestsPerSecond">The rate the destination's credential had learned when the batch finished (null when it
/// has a fixed rate or no limiter, or has learned nothing: it was never refused).</param>
/// <param name="DataPoints">Units the vendor bills that the send wrote (Braze's data points: one per attribute written);
/// null for a vendor that bills none.</param>
/// <param name="Skipped">Changes the destination settled without applying, for good (for example a user Iterable has
/// forgotten under GDPR), with the reason: kept in the baseline so they are not sent again while the member stays in the
/// cohort, and counted apart from accepted and rejected ones.</param>
public sealed record SendResult(
    IReadOnlyList<MemberRejection> Rejections, int Requests, double? RequestsPerSecond = null, int? DataPoints = null, IReadOnlyList<MemberRejection>? Skipped = null);
