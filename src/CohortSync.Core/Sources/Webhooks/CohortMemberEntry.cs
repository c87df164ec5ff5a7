namespace CohortSync.Core.Sources.Webhooks;

/// <summary>One user's stored state in a webhook cohort.</summary>
/// <param name="UserId">Amplitude's user id.</param>
/// <param name="State">In or out, and the computation that said so.</param>
public readonly record struct CohortMemberEntry(string UserId, CohortMemberState State);
