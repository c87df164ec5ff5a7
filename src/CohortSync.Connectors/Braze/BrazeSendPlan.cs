using CohortSync.Core.Ports;

namespace CohortSync.Connectors.Braze;

/// <summary>A batch split into requests, with the changes that could not be sent.</summary>
/// <param name="Requests">The requests, each with at most <see cref="BrazeCohortChanges.MaxIdentifiersPerRequest"/> identifiers.</param>
/// <param name="Rejections">Changes refused before sending, by batch index.</param>
public sealed record BrazeSendPlan(IReadOnlyList<BrazeRequestChanges> Requests, IReadOnlyList<MemberRejection> Rejections);
