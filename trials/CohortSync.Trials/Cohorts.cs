using System.Globalization;
using System.Text;

namespace CohortSync.Trials;

/// <summary>Cohort files for the trials: a <c>user_id,email</c> CSV of members <c>user-n</c>, <c>u{n}@example.com</c>.</summary>
public static class Cohorts
{
    /// <summary>Writes the cohort file.</summary>
    public static void Write(string path, IEnumerable<int> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
        writer.Write("user_id,email\n");
        foreach (var n in members)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"user-{n},u{n}@example.com\n"));
        }
    }
}
