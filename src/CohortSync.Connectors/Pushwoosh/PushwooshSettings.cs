using System.Globalization;
using System.Text.RegularExpressions;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// A Pushwoosh destination's settings, read from <see cref="DestinationDefinition.Settings"/> and checked together, so a
/// misconfigured destination fails once with every bad setting named. The destination's <c>secretName</c> names the
/// Server API token; its value is never a setting. (<c>deviceTokenSecretName</c> and <c>minBulkDevices</c>, read by earlier
/// versions for the Device API path, are ignored: every change now goes through <c>bulkSetTags</c>.)
/// </summary>
/// <param name="ApplicationCode">Setting <c>applicationCode</c> (required): the Pushwoosh application code, <c>XXXXX-XXXXX</c>.</param>
/// <param name="Identifier">Setting <c>identifier</c>: which member key is the Pushwoosh user id (<c>user_id</c>), <c>email</c> (default) or <c>userId</c>.</param>
/// <param name="TagName">Setting <c>tagName</c>: the list tag holding cohort names. Default <c>Amplitude Cohorts</c>.</param>
/// <param name="ManageTag">Setting <c>manageTag</c>: whether to look the tag up and create it as a list tag (Pushwoosh's <c>listTags</c>/<c>addTag</c>, Custom Plan only). Default true.</param>
/// <param name="MaxDevicesPerRequest">Setting <c>maxDevicesPerRequest</c>: devices in one <c>bulkSetTags</c> request. Default 10,000 (Pushwoosh documents no cap; the 2 MB body limit splits first for long addresses).</param>
/// <param name="StatusPolls">Setting <c>statusPolls</c>: status reads of one bulk request before giving up. Default 20.</param>
/// <param name="StatusPollDelay">Setting <c>statusPollDelayMs</c>: the wait before the first status read; it doubles up to <see cref="PushwooshSettings.MaxStatusPollDelay"/>. Default 250 ms.</param>
public sealed record PushwooshSettings(
    string ApplicationCode,
    PushwooshIdentifier Identifier,
    string TagName,
    bool ManageTag,
    int MaxDevicesPerRequest,
    int StatusPolls,
    TimeSpan StatusPollDelay)
{
    /// <summary>The default list tag.</summary>
    public const string DefaultTagName = "Amplitude Cohorts";

    /// <summary>The longest wait between two status reads.</summary>
    public static readonly TimeSpan MaxStatusPollDelay = TimeSpan.FromSeconds(2);

    private static readonly Regex ApplicationCodePattern = new("^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>Reads and checks a destination's settings; throws <see cref="ValidationException"/> naming every bad one.</summary>
    public static PushwooshSettings From(DestinationDefinition destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var application = destination.Setting("applicationCode")?.Trim();
        if (application is null || !ApplicationCodePattern.IsMatch(application))
        {
            errors["applicationCode"] = ["must be the Pushwoosh application code, XXXXX-XXXXX"];
        }

        if (string.IsNullOrWhiteSpace(destination.SecretName))
        {
            errors["secretName"] = ["must name the secret holding the Pushwoosh Server API token"];
        }

        var identifier = destination.Setting("identifier", "email")!.Trim();
        var kind = identifier.ToUpperInvariant() switch
        {
            "EMAIL" => PushwooshIdentifier.Email,
            "USERID" or "USER_ID" or "EXTERNALID" or "EXTERNAL_ID" => PushwooshIdentifier.UserId,
            _ => (PushwooshIdentifier?)null,
        };
        if (kind is null)
        {
            errors["identifier"] = ["must be email or userId: the member key sent as the Pushwoosh user id"];
        }

        var tag = destination.Setting("tagName", DefaultTagName)!;
        if (tag.Length > 128)
        {
            errors["tagName"] = ["must be at most 128 characters"];
        }

        var manage = Bool(destination, "manageTag", true, errors);
        var maxDevices = Int(destination, "maxDevicesPerRequest", 10_000, 1, 100_000, errors);
        var polls = Int(destination, "statusPolls", 20, 1, 100, errors);
        var pollDelay = Int(destination, "statusPollDelayMs", 250, 1, 10_000, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new PushwooshSettings(application!, kind.GetValueOrDefault(), tag, manage, maxDevices, polls, TimeSpan.FromMilliseconds(pollDelay));
    }

    private static int Int(DestinationDefinition destination, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        var text = destination.Setting(name);
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}")];
        return fallback;
    }

    private static bool Bool(DestinationDefinition destination, string name, bool fallback, Dictionary<string, string[]> errors)
    {
        var text = destination.Setting(name);
        if (text is null)
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        errors[name] = ["must be true or false"];
        return fallback;
    }
}
