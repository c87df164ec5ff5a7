namespace CohortSync.Core.Members;

/// <summary>
/// Cleans raw source values. Amplitude's cohort CSV prefixes every string with a tab
/// ("CSV returned from API has all strings prefixed with a tab character"), and some values arrive still quoted.
/// </summary>
public static class ValueCleaner
{
    /// <summary>Strips a leading tab, surrounding whitespace and one pair of surrounding quotes; empty becomes null.</summary>
    public static string? Clean(string? raw)
    {
        if (raw is null)
        {
            return null;
        }

        var span = raw.AsSpan();
        if (span.Length > 0 && span[0] == '\t')
        {
            span = span[1..];
        }

        span = span.Trim();
        if (span.Length >= 2 && span[0] == '"' && span[^1] == '"')
        {
            span = span[1..^1];
            if (span.Length > 0 && span[0] == '\t')
            {
                span = span[1..];
            }

            span = span.Trim();
        }

        if (span.IsEmpty)
        {
            return null;
        }

        return span.Length == raw.Length ? raw : span.ToString();
    }
}
