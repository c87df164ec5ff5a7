namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// What the stored membership knows of one user: in the cohort or not, as of the Amplitude computation that said so. A user
/// who left is kept (not in the cohort) so that a late retry of an older "entered" message cannot bring them back.
/// </summary>
/// <param name="InCohort">True when the user is a member.</param>
/// <param name="ComputedTime">The computation (Amplitude's <c>computed_time</c>, seconds since the epoch) that said so.</param>
public readonly record struct CohortMemberState(bool InCohort, long ComputedTime)
{
    /// <summary>
    /// True when <paramref name="candidate"/> replaces <paramref name="current"/>: it comes from a later computation, or from
    /// the same one and says the user left (at equal times "exited" wins, so the result does not depend on arrival order).
    /// The rule is commutative and idempotent: messages may be applied in any order, and more than once.
    /// </summary>
    public static bool Supersedes(CohortMemberState candidate, CohortMemberState? current) =>
        current is not { } now
        || candidate.ComputedTime > now.ComputedTime
        || (candidate.ComputedTime == now.ComputedTime && now.InCohort && !candidate.InCohort);
}
