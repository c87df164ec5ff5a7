namespace CohortSync.Core.Application;

/// <summary>The story of one member in one sync: "why is this user not in Braze?"</summary>
/// <param name="Key">The destination key looked up (kind and value).</param>
/// <param name="InBaseline">True when the destination has the member, as far as CohortSync knows.</param>
/// <param name="LastOperation">The last change sent or attempted for it (add, remove, update), if any in the runs looked at.</param>
/// <param name="RunId">The run of that change.</param>
/// <param name="Outcome"><c>accepted</c>, <c>rejected</c>, <c>failed</c> (pending for the next run), or <c>not sent</c>.</param>
/// <param name="Reason">Why, when it was rejected or failed, or what to check when nothing is known.</param>
/// <param name="RunsExamined">How many recent runs were looked at.</param>
public sealed record MemberExplanation(
    string Key, bool InBaseline, string? LastOperation, string? RunId, string Outcome, string? Reason, int RunsExamined);
