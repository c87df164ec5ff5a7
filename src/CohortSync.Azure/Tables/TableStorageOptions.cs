using System.ComponentModel.DataAnnotations;

namespace CohortSync.Azure.Tables;

/// <summary>
/// Where state lives. Bound from the <c>Storage</c> configuration section. Exactly one of <see cref="TableEndpoint"/> (in
/// Azure, with the app's managed identity) and <see cref="ConnectionString"/> (Azurite, local) is set; start-up validation
/// names the one that is missing or extra.
/// </summary>
public sealed class TableStorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Storage";

    /// <summary>
    /// The storage account's table endpoint, for example <c>https://account.table.core.windows.net/</c>. The tables are
    /// then reached with a <c>TokenCredential</c> (<c>DefaultAzureCredential</c>: the app's managed identity in Azure), which
    /// needs the Storage Table Data Contributor role on the account. <value>Default: none.</value>
    /// </summary>
    public Uri? TableEndpoint { get; set; }

    /// <summary>A storage connection string, for Azurite or local use. <value>Default: none.</value></summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of every table name: letters and digits. <value>Default <c>cohortsync</c>.</value></summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{0,39}$")]
    public string TablePrefix { get; set; } = "cohortsync";

    /// <summary>True when the tables are reached through <see cref="TableEndpoint"/> and a token.</summary>
    internal bool UsesIdentity => string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The problem with how the tables are reached, or null when the settings are usable.</summary>
    internal string? ConnectionProblem()
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(ConnectionString);
        if (TableEndpoint is null)
        {
            return hasConnectionString
                ? null
                : "Storage:TableEndpoint is missing (the storage account's table endpoint, for example https://<account>.table.core.windows.net/, "
                    + "reached with the app's managed identity). Set it in Azure, or set Storage:ConnectionString for Azurite or local use";
        }

        if (hasConnectionString)
        {
            return "Storage:TableEndpoint and Storage:ConnectionString are both set: set Storage:TableEndpoint in Azure (managed identity) "
                + "or Storage:ConnectionString locally (Azurite), not both";
        }

        return TableEndpoint.IsAbsoluteUri && TableEndpoint.Scheme == Uri.UriSchemeHttps
            ? null
            : "Storage:TableEndpoint must be an absolute https URI (a token is sent only over https); "
                + "Storage:ConnectionString is the setting for Azurite over http";
    }
}
