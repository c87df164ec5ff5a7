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

        var span = Clean(raw.AsSpan());
        if (span.IsEmpty)
        {
            return null;
        }

        return span.Length == raw.Length ? raw : span.ToString();
    }

    /// <summary>
    /// Strips a leading tab, surrounding whitespace and one pair of surrounding quotes, without making a string; empty means
    /// no value. The result is a slice of <paramref name="raw"/>.
    /// </summary>
    public static ReadOnlySpan<char> Clean(ReadOnlySpan<char> raw)
    {
        var span = raw;
        if (span.Length > 0 && span[0] == '\t')
        {
            span = span[1..];
        }

        // The common case (an id or an email) has nothing around it to trim.
        if (span.Length > 0 && (char.IsWhiteSpace(span[0]) || char.IsWhiteSpace(span[^1])))
        {
            span = span.Trim();
        }

        if (span.Length >= 2 && span[0] == '"' && span[^1] == '"')
        {
            span = span[1..^1];
            if (span.Length > 0 && span[0] == '\t')
            {
                span = span[1..];
            }

            span = span.Trim();
        }

        return span;
    }
}
