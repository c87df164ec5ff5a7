using System.ComponentModel.DataAnnotations;

namespace CohortSync.Azure.Secrets;

/// <summary>Where destination secrets live in Azure. Bound from the <c>KeyVault</c> configuration section.</summary>
public sealed class KeyVaultOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "KeyVault";

    /// <summary>The vault, e.g. <c>https://cohortsync-kv.vault.azure.net/</c>. Must be absolute and https.</summary>
    [Required]
    public Uri? VaultUri { get; set; }

    /// <summary>
    /// How long a secret read from the vault is reused before it is read again. A connector that gets a 401 re-reads at
    /// once, so this bounds only how stale an unused rotation can be, and how often the vault is read.
    /// <value>Default 5 minutes.</value>
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);
}
