namespace CohortSync.Core.Ports;

/// <summary>One refused change.</summary>
/// <param name="Index">Its position in the batch.</param>
/// <param name="Reason">Why, in the destination's words where it gave some; never the identifier itself.</param>
public sealed record MemberRejection(int Index, string Reason);
