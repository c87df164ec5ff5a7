namespace CohortSync.Core.Members;

/// <summary>The format of a member file.</summary>
public enum MemberFileFormat
{
    /// <summary>Comma-separated values with a header row (Amplitude's cohort export format).</summary>
    Csv,

    /// <summary>One JSON object per line; every object's properties are columns.</summary>
    JsonLines,
}
