using CohortSync.Core.Identity;

namespace CohortSync.Connectors.Iterable;

/// <summary>One change planned as a subscriber: its index in the send request, its key, and what is sent for it.</summary>
/// <param name="Index">Its position in the request's changes.</param>
/// <param name="Key">The destination key (to match <c>failedUpdates</c> back).</param>
/// <param name="Subscriber">The subscriber sent.</param>
public sealed record IterablePlannedSubscriber(int Index, DestinationKey Key, IterableSubscriber Subscriber);
