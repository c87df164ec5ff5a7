using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Ports;

namespace CohortSync.Core.Application;

/// <summary>
/// Refuses a sync whose destination's connector is an <see cref="IExclusiveDestination"/> when another sync already holds
/// the same scope (two syncs there would take members from each other).
/// </summary>
internal static class SyncExclusivityCheck
{
    /// <summary>
    /// Throws <see cref="ValidationException"/> on <c>destinationId</c> when one of <paramref name="others"/> (read only when
    /// the sync's destination is exclusive) holds the scope.
    /// </summary>
    public static async Task ThrowIfTakenAsync(
        IDestinationRegistry registry,
        SyncDefinition sync,
        DestinationDefinition? destination,
        Func<Task<IEnumerable<SyncDefinition>>> others,
        Func<string, CancellationToken, Task<DestinationDefinition?>> destinationOf,
        CancellationToken cancellationToken)
    {
        if (Exclusivity(registry, destination) is not { } mine)
        {
            return;
        }

        foreach (var other in (await others()).Where(o => !string.Equals(o.Id, sync.Id, StringComparison.Ordinal) && !string.IsNullOrEmpty(o.DestinationId)))
        {
            var theirs = Exclusivity(registry, await destinationOf(other.DestinationId, cancellationToken));
            if (theirs is not null && string.Equals(theirs.Scope, mine.Scope, StringComparison.Ordinal))
            {
                throw new ValidationException(new Dictionary<string, string[]>
                {
                    ["destinationId"] = [$"{mine.Reason}: sync '{other.Id}' already uses it, and this sync would take its members"],
                });
            }
        }
    }

    private static SyncExclusivity? Exclusivity(IDestinationRegistry registry, DestinationDefinition? destination)
    {
        if (destination is null)
        {
            return null;
        }

        try
        {
            return registry.Resolve(destination.Type) is IExclusiveDestination exclusive ? exclusive.Exclusivity(destination) : null;
        }
        catch (NotFoundException)
        {
            // An unknown type is reported by the destination's own validation.
            return null;
        }
    }
}
