using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CohortSync.Azure.Secrets;
using CohortSync.Azure.Tables;
using CohortSync.TestHelpers;

namespace CohortSync.Azure.Tests.Deployment;

/// <summary>
/// The deployment (infra/main.bicep, compiled to an ARM template by eng/bicep.sh) against what the Functions app needs at
/// start-up: every setting it reads, none that carries a key, and the roles its identity signs in with.
/// </summary>
public sealed partial class DeploymentTemplateTests
{
    // Built-in role definition ids (the same in every subscription).
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    private static readonly Lazy<JsonObject> Template = new(LoadTemplate);

    [Fact]
    public void AppSettings_EverySettingTheAppReadsAtStartUp_IsSet()
    {
        // Arrange
        var settings = AppSettings();
        var required = new List<string>
        {
            // Validated at start-up (TableStorageOptionsValidator): the deployment reaches the tables with the app's identity.
            $"{TableStorageOptions.Section}__{nameof(TableStorageOptions.TableEndpoint)}",
        };
        required.AddRange(RequiredWithoutDefault<KeyVaultOptions>(KeyVaultOptions.Section));
        required.AddRange(SettingPlaceholders());

        // Act
        var missing = required.Where(name => !settings.ContainsKey(name)).ToList();

        // Assert
        Assert.Contains($"{KeyVaultOptions.Section}__{nameof(KeyVaultOptions.VaultUri)}", required);
        Assert.Contains("SchedulerTimer", required);
        Assert.Contains("TaskHubName", required);
        Assert.Empty(missing);
    }

    [Fact]
    public void AppSettings_HostAndTaskHubStorage_IsReachedWithTheIdentity()
    {
        // Arrange: host.json names the connection Durable's Azure Storage provider uses
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(AzuriteFixture.RepositoryRoot(), "host.json")))!;
        var connection = (string?)host["extensions"]?["durableTask"]?["storageProvider"]?["connectionName"] ?? "AzureWebJobsStorage";
        var settings = AppSettings();

        // Act, Assert: an identity-based connection (account name and managed identity), never a connection string
        Assert.Equal("AzureWebJobsStorage", connection);
        Assert.True(settings.ContainsKey($"{connection}__accountName"), $"{connection}__accountName is not set");
        Assert.Equal("managedidentity", (string?)settings[$"{connection}__credential"]);
        Assert.False(settings.ContainsKey(connection), $"{connection} (a connection string) is set");
    }

    [Fact]
    public void AppSettings_HoldNoKeyOrConnectionString()
    {
        // Arrange
        var settings = AppSettings();

        // Act
        var keyed = settings
            .Where(s => SecretValue().IsMatch(s.Value?.ToJsonString() ?? string.Empty))
            .Select(s => s.Key)
            .ToList();

        // Assert. Application Insights' connection string is the one exception: it holds no credential, since the
        // component has local authentication off and takes telemetry only with the app's token (the setting beside it).
        Assert.Empty(keyed);
        Assert.Equal("Authorization=AAD", (string?)settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Equal(
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"],
            settings.Select(s => s.Key).Where(k => k.Replace("_", string.Empty, StringComparison.Ordinal).Contains("ConnectionString", StringComparison.OrdinalIgnoreCase)));
        Assert.False(
            settings.ContainsKey($"{TableStorageOptions.Section}__{nameof(TableStorageOptions.ConnectionString)}"),
            "Storage__ConnectionString is set beside Storage__TableEndpoint: the app refuses to start with both");
    }

    [Fact]
    public void Template_ReadsNoKeyAndStoresNoSecret()
    {
        // Arrange
        var text = Template.Value.ToJsonString();
        var resources = AllResources(Template.Value).ToList();

        // Act
        var secrets = resources.Where(r => (string?)r["type"] == "Microsoft.KeyVault/vaults/secrets").ToList();
        var accounts = resources.Where(r => (string?)r["type"] == "Microsoft.Storage/storageAccounts" && r["properties"] is JsonObject).ToList();

        // Assert
        Assert.DoesNotContain("listKeys(", text, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(secrets);
        var account = Assert.Single(accounts);
        Assert.False((bool?)account["properties"]!["allowSharedKeyAccess"] ?? true, "the storage account accepts shared keys");
    }

    [Fact]
    public void RoleAssignments_TheAppsIdentity_HoldsTheRolesTheAppUses()
    {
        // Arrange
        var rbac = Module("rbac");
        var app = AllResources(Template.Value).Single(r => (string?)r["type"] == "Microsoft.Web/sites");

        // Act
        var granted = RoleAssignments(rbac["properties"]!["template"]!.AsObject());

        // Assert: on the storage account (the state tables, the task hub's blobs and queues and tables, the host's blobs and
        // the package) and on the vault (reading destination keys, and writing them through the API)
        Assert.Equal("SystemAssigned", (string?)app["identity"]!["type"]);
        Assert.Contains("principalId", rbac["properties"]!["parameters"]!["principalId"]!["value"]!.ToString(), StringComparison.Ordinal);
        Assert.Superset(
            new HashSet<string> { StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor },
            granted.GetValueOrDefault("Microsoft.Storage/storageAccounts", []));
        Assert.Superset(
            new HashSet<string> { KeyVaultSecretsUser, KeyVaultSecretsOfficer },
            granted.GetValueOrDefault("Microsoft.KeyVault/vaults", []));
    }

    // A value that carries a key, a SAS, a connection string to storage, or a Key Vault reference standing for one.
    [GeneratedRegex(@"AccountKey=|SharedAccessSignature|sig=|listKeys|listAccountSas|listSecrets|@Microsoft\.KeyVault\(|DefaultEndpointsProtocol", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();

    [GeneratedRegex(@"%([A-Za-z0-9_]+)%")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"resourceId\('([^']+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReference();

    // Settings the host resolves by name: %Name% in host.json and in the functions' trigger attributes.
    private static IEnumerable<string> SettingPlaceholders()
    {
        var root = AzuriteFixture.RepositoryRoot();
        var functions = Path.Combine(root, "src", "CohortSync.Functions");
        var files = Directory.EnumerateFiles(functions, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(root, "host.json"));
        return files.SelectMany(f => Placeholder().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).Distinct(StringComparer.Ordinal);
    }

    // [Required] properties of an options class with no default: the app refuses to start without them.
    private static IEnumerable<string> RequiredWithoutDefault<T>(string section)
        where T : new()
    {
        var defaults = new T();
        return typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<RequiredAttribute>() is not null && p.GetValue(defaults) is null or "")
            .Select(p => $"{section.Replace(":", "__", StringComparison.Ordinal)}__{p.Name}");
    }

    private static JsonObject AppSettings() =>
        Module("functionApp")["properties"]!["parameters"]!["appSettings"]!["value"]!.AsObject();

    private static JsonObject Module(string name) =>
        Resources(Template.Value).Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == name);

    // Role definition ids granted, by the type of resource they are scoped to.
    private static Dictionary<string, HashSet<string>> RoleAssignments(JsonObject template)
    {
        var variables = template["variables"]?.AsObject() ?? [];
        var granted = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var assignment in Resources(template).Where(r => (string?)r["type"] == "Microsoft.Authorization/roleAssignments"))
        {
            Assert.Equal("[parameters('principalId')]", (string?)assignment["properties"]!["principalId"]);
            var scope = ScopeType().Match((string?)assignment["scope"] ?? string.Empty).Groups[1].Value;
            var variable = VariableReference().Match((string?)assignment["properties"]!["roleDefinitionId"] ?? string.Empty).Groups[1].Value;
            var roles = variables[variable] switch
            {
                JsonArray ids => ids.Select(id => (string)id!),
                JsonValue id => [(string)id!],
                _ => [],
            };
            granted.TryAdd(scope, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
            granted[scope].UnionWith(roles);
        }

        return granted;
    }

    // A template's own resources: an array, or an object keyed by symbolic name (languageVersion 2.0).
    private static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray list => list.Select(r => r!.AsObject()),
        JsonObject named => named.Select(r => r.Value!.AsObject()),
        _ => [],
    };

    private static IEnumerable<JsonObject> AllResources(JsonObject template) =>
        Resources(template).SelectMany(r => r["properties"] is JsonObject { } p && p["template"] is JsonObject nested ? AllResources(nested).Prepend(r) : [r]);

    private static JsonObject LoadTemplate()
    {
        var path = Environment.GetEnvironmentVariable("COHORTSYNC_BICEP_JSON");
        if (string.IsNullOrWhiteSpace(path))
        {
            // Run on its own (an IDE, dotnet test): compile it here, as eng/test.sh does.
            var outDir = Directory.CreateTempSubdirectory("cohortsync-bicep-").FullName;
            var script = Path.Combine(AzuriteFixture.RepositoryRoot(), "eng", "bicep.sh");
            var info = new ProcessStartInfo("bash", [script, outDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "eng/bicep.sh failed: " + stderr.Result);
            path = stdout.Result.Trim();
        }

        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }
}
