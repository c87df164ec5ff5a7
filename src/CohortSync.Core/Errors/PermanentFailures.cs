using System.Collections.Concurrent;
using CohortSync.Core.Members;

namespace CohortSync.Core.Errors;

/// <summary>
/// Which failures of an activity another attempt cannot cure. The one list both hosts read: the Durable retry policy of
/// every activity call declines to retry these (it matches a failure's type and its subclasses by name, since only the
/// type name crosses the engine), and retries everything else, so a misjudgement costs attempts, never a batch.
/// </summary>
public static class PermanentFailures
{
    private static readonly ConcurrentDictionary<string, Type?> Resolved = new(StringComparer.Ordinal);

    /// <summary>The exception types (and their subclasses) that are never retried.</summary>
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(DestinationAuthException),
        typeof(DestinationRejectedException),
        typeof(ValidationException),
        typeof(NotFoundException),
        typeof(MalformedSourceException),
        typeof(FormatException),
        typeof(InvalidDataException),
        typeof(ArgumentException),
        typeof(NotSupportedException),
    ];

    /// <summary>
    /// True when the exception type of this full name (as an engine reports a failure) is permanent. A name that no loaded
    /// assembly defines is not: another attempt costs less than a lost batch.
    /// </summary>
    /// <remarks>
    /// Durable's own <c>TaskFailureDetails.IsCausedBy</c> is not used: it throws AmbiguousMatchException for a type that
    /// several loaded assemblies forward to one definition (System.Net.Http.HttpRequestException, for one), and a retry
    /// predicate that throws ends the retries.
    /// </remarks>
    public static bool IsPermanent(string? typeName) =>
        !string.IsNullOrEmpty(typeName) && Resolved.GetOrAdd(typeName, Resolve) is { } type && IsPermanent(type);

    /// <summary>True when <paramref name="type"/> is, or derives from, a permanent type.</summary>
    public static bool IsPermanent(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        foreach (var permanent in Types)
        {
            if (permanent.IsAssignableFrom(type))
            {
                return true;
            }
        }

        return false;
    }

    private static Type? Resolve(string typeName)
    {
        if (Type.GetType(typeName, throwOnError: false) is { } direct)
        {
            return direct;
        }

        Type? found = null;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            Type? candidate;
            try
            {
                candidate = assembly.GetType(typeName, throwOnError: false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                continue;
            }

            if (candidate is not null)
            {
                if (found is not null && found != candidate)
                {
                    return null; // two different types of that name: say nothing rather than guess
                }

                found = candidate;
            }
        }

        return found;
    }
}
