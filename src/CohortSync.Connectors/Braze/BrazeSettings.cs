using System.Text.RegularExpressions;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Braze;

/// <summary>
/// A Braze destination's settings, read once per call. The setting names are the constants below; see the README.
/// </summary>
/// <param name="Mode">The membership mode (setting <c>mode</c>: <c>arrayAttribute</c>, the default, <c>booleanAttribute</c>, <c>partnerCohort</c>).</param>
/// <param name="AttributeName">Array mode: the array attribute's name (setting <c>attributeName</c>).</param>
/// <param name="AttributePrefix">Boolean mode: the prefix of each cohort's attribute (setting <c>attributePrefix</c>).</param>
/// <param name="CreateUsers">Attribute modes: create profiles Braze does not know (setting <c>createUsers</c>); false sends <c>_update_existing_only: true</c>.</param>
/// <param name="PartnerName">Partner mode: the <c>/partners/{partner_name}/</c> path segment (setting <c>partnerName</c>, required).</param>
public sealed partial record BrazeSettings(BrazeMembershipMode Mode, string AttributeName, string AttributePrefix, bool CreateUsers, string? PartnerName)
{
    /// <summary>The setting that picks the mode.</summary>
    public const string ModeSetting = "mode";

    /// <summary>The array attribute's name.</summary>
    public const string AttributeNameSetting = "attributeName";

    /// <summary>The boolean attributes' prefix.</summary>
    public const string AttributePrefixSetting = "attributePrefix";

    /// <summary>Whether unknown users are created.</summary>
    public const string CreateUsersSetting = "createUsers";

    /// <summary>The partner path segment.</summary>
    public const string PartnerNameSetting = "partnerName";

    /// <summary>The default array attribute.</summary>
    public const string DefaultAttributeName = "cohortsync_cohorts";

    /// <summary>The default boolean attribute prefix.</summary>
    public const string DefaultAttributePrefix = "cohortsync_";

    /// <summary>Reads the settings; throws <see cref="ValidationException"/> naming each bad one.</summary>
    public static BrazeSettings Read(DestinationDefinition destination)
    {
        var errors = Check(destination);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new BrazeSettings(
            ParseMode(destination.Setting(ModeSetting))!.Value,
            destination.Setting(AttributeNameSetting) ?? DefaultAttributeName,
            destination.Setting(AttributePrefixSetting) ?? DefaultAttributePrefix,
            string.Equals(destination.Setting(CreateUsersSetting), "true", StringComparison.OrdinalIgnoreCase),
            destination.Setting(PartnerNameSetting));
    }

    /// <summary>Every bad setting of a destination, by field (<c>settings.partnerName</c>); empty when all are good.</summary>
    public static Dictionary<string, string[]> Check(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!BrazeCluster.TryParse(destination.Setting("cluster"), out _))
        {
            errors["settings.cluster"] = [$"required: one of {BrazeCluster.Names}"];
        }

        var mode = ParseMode(destination.Setting(ModeSetting));
        if (mode is null)
        {
            errors["settings." + ModeSetting] = ["must be arrayAttribute, booleanAttribute or partnerCohort"];
        }

        if (mode == BrazeMembershipMode.PartnerCohort && destination.Setting(PartnerNameSetting) is not { } partner)
        {
            errors["settings." + PartnerNameSetting] =
                ["required in partnerCohort mode: the /partners/{partner_name}/ segment Braze gave the technology partner whose keys this deployment holds"];
        }
        else if (mode == BrazeMembershipMode.PartnerCohort && !PartnerPattern().IsMatch(destination.Setting(PartnerNameSetting)!))
        {
            errors["settings." + PartnerNameSetting] = ["must be 1 to 64 lower-case letters, digits, '_' or '-'"];
        }

        foreach (var name in new[] { AttributeNameSetting, AttributePrefixSetting })
        {
            if (destination.Setting(name) is { } value && !AttributePattern().IsMatch(value))
            {
                errors["settings." + name] = ["must be 1 to 200 letters, digits, '_' or '-', not starting with '$'"];
            }
        }

        if (destination.Setting(CreateUsersSetting) is { } create && !bool.TryParse(create, out _))
        {
            errors["settings." + CreateUsersSetting] = ["must be true or false"];
        }

        if (destination.SecretName is null)
        {
            errors["secretName"] = ["a Braze destination needs a secret: the REST API key (attribute modes) or the Data Import Key (partnerCohort)"];
        }

        return errors;
    }

    /// <summary>The boolean attribute of one cohort (boolean mode).</summary>
    public string FlagAttribute(string cohortSlug) => AttributePrefix + cohortSlug;

    private static BrazeMembershipMode? ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "arrayattribute" => BrazeMembershipMode.ArrayAttribute,
        "booleanattribute" => BrazeMembershipMode.BooleanAttribute,
        "partnercohort" => BrazeMembershipMode.PartnerCohort,
        _ => null,
    };

    [GeneratedRegex("^[a-z0-9_-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PartnerPattern();

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9_-]{0,199}$", RegexOptions.CultureInvariant)]
    private static partial Regex AttributePattern();
}
