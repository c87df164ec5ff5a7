using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Braze;

/// <summary>A batch planned for <c>/users/track</c>.</summary>
/// <param name="Requests">The requests to send.</param>
/// <param name="Unchanged">Updates (carried fields changed, membership did not): settled as accepted, nothing sent.</param>
/// <param name="Rejections">Changes that cannot be expressed, refused before sending.</param>
public sealed record BrazeTrackSendPlan(IReadOnlyList<BrazeTrackRequest> Requests, IReadOnlyList<int> Unchanged, IReadOnlyList<MemberRejection> Rejections);
