using System.ComponentModel.DataAnnotations;

namespace CohortSync.Azure.Tables;

/// <summary>Where state lives. Bound from the <c>Storage</c> configuration section.</summary>
public sealed class TableStorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Storage";

    /// <summary>The storage connection string (Azurite locally).</summary>
    [Required]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Prefix of every table name: letters and digits. <value>Default <c>cohortsync</c>.</value></summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{0,39}$")]
    public string TablePrefix { get; set; } = "cohortsync";
}
