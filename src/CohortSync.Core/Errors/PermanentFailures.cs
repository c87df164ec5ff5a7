using CohortSync.Core.Members;

namespace CohortSync.Core.Errors;

/// <summary>
/// Which failures of an activity another attempt cannot cure. The one list both hosts read: the Durable retry policy of
/// every activity call declines to retry these (it matches a failure's type and its subclasses by name, since only the
/// type name crosses the engine), and retries everything else, so a misjudgement costs attempts, never a batch.
/// </summary>
public static class PermanentFailures
{
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

    /// <summary>True when <paramref name="exception"/> is of a permanent type.</summary>
    public static bool IsPermanent(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return IsPermanent(exception.GetType());
    }

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
}
