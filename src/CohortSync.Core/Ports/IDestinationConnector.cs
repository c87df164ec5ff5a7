using CohortSync.Core.Definitions;
using CohortSync.Core.Identity;

namespace CohortSync.Core.Ports;

/// <summary>
/// A destination connector. Transient failures throw <see cref="Errors.RetryableDestinationException"/> (the engine retries);
/// bad credentials throw <see cref="Errors.DestinationAuthException"/>; per-member refusals come back as data.
/// </summary>
public interface IDestinationConnector
{
    /// <summary>The type name definitions refer to.</summary>
    string Type { get; }

    /// <summary>What this destination can take.</summary>
    DestinationCapabilities Describe(DestinationDefinition destination);

    /// <summary>Checks one key before it is sent; returns the reason it would be refused, or null.</summary>
    string? Validate(DestinationKey key, string? payload);

    /// <summary>
    /// Checks one member as Prepare resolved it, in buffers (planning checks millions): the reason it would be refused, or
    /// null. By default the key and payload are made into strings for <see cref="Validate(DestinationKey, string?)"/>; a
    /// connector that can check spans, or checks nothing, overrides it.
    /// </summary>
    string? Validate(ResolvedMember member) => Validate(member.ToKey(), member.PayloadString());

    /// <summary>Finds or creates the container for a cohort and returns its id. Idempotent.</summary>
    Task<string> EnsureContainerAsync(DestinationDefinition destination, ContainerRequest request, CancellationToken cancellationToken);

    /// <summary>Sends one batch.</summary>
    Task<SendResult> SendAsync(DestinationDefinition destination, SendRequest request, CancellationToken cancellationToken);
}
