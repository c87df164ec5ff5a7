namespace CohortSync.Core.Ports;

/// <summary>One stored segment of a baseline: a full base, or a delta of changes one run committed.</summary>
/// <param name="SegmentId">The segment id.</param>
/// <param name="Records">How many records it holds.</param>
public sealed record SegmentInfo(string SegmentId, int Records);
