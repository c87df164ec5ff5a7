using System.Globalization;
using System.Text.RegularExpressions;
using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;

namespace CohortSync.Connectors.Pushwoosh;

/// <summary>
/// A Pushwoosh destination's settings, read from <see cref="DestinationDefinition.Settings"/> and checked together, so a
/// misconfigured destination fails once with every bad setting named. The destination's <c>secretName</c> names the
/// Server API token; <see cref="DeviceTokenSecretName"/> names the Device API token. Neither value is ever a setting.
/// </summary>
/// <param name="ApplicationCode">Setting <c>applicationCode</c> (required): the Pushwoosh application code, <c>XXXXX-XXXXX</c>.</param>
/// <param name="DeviceTokenSecretName">Setting <c>deviceTokenSecretName</c> (required): the secret holding the Device API token, used for requests under <see cref="MinBulkDevices"/>.</param>
/// <param name="TagName">Setting <c>tagName</c>: the list tag holding cohort names. Default <c>Amplitude Cohorts</c>.</param>
/// <param name="ManageTag">Setting <c>manageTag</c>: whether to look the tag up and create it as a list tag (Pushwoosh's <c>listTags</c>/<c>addTag</c>, Custom Plan only). Default true.</param>
/// <param name="MaxDevicesPerRequest">Setting <c>maxDevicesPerRequest</c>: devices in one <c>bulkSetTags</c> request. Default 10,000 (Pushwoosh documents no cap; the 2 MB body limit splits first for long addresses).</param>
/// <param name="MinBulkDevices">Setting <c>minBulkDevices</c>: the fewest devices <c>bulkSetTags</c> takes. Default 50, as Pushwoosh documents.</param>
/// <param name="StatusPolls">Setting <c>statusPolls</c>: status reads of one bulk request before giving up. Default 20.</param>
/// <param name="StatusPollDelay">Setting <c>statusPollDelayMs</c>: the wait before the first status read; it doubles up to <see cref="PushwooshSettings.MaxStatusPollDelay"/>. Default 250 ms.</param>
public sealed record PushwooshSettings(
    string ApplicationCode,
    string DeviceTokenSecretName,
    string TagName,
    bool ManageTag,
    int MaxDevicesPerRequest,
    int MinBulkDevices,
    int StatusPolls,
    TimeSpan StatusPollDelay)
{
    /// <summary>The default list tag.</summary>
    public const string DefaultTagName = "Amplitude Cohorts";

    /// <summary>The documented minimum of devices for <c>bulkSetTags</c>.</summary>
    public const int DocumentedMinBulkDevices = 50;

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

        var deviceSecret = destination.Setting("deviceTokenSecretName");
        if (deviceSecret is null)
        {
            errors["deviceTokenSecretName"] = ["must name the secret holding the Pushwoosh Device API token (requests under 50 users go through the Device API)"];
        }

        var tag = destination.Setting("tagName", DefaultTagName)!;
        if (tag.Length > 128)
        {
            errors["tagName"] = ["must be at most 128 characters"];
        }

        var manage = Bool(destination, "manageTag", true, errors);
        var maxDevices = Int(destination, "maxDevicesPerRequest", 10_000, 1, 100_000, errors);
        var minBulk = Int(destination, "minBulkDevices", DocumentedMinBulkDevices, 1, 10_000, errors);
        var polls = Int(destination, "statusPolls", 20, 1, 100, errors);
        var pollDelay = Int(destination, "statusPollDelayMs", 250, 1, 10_000, errors);
        if (minBulk > maxDevices)
        {
            errors["minBulkDevices"] = ["must not exceed maxDevicesPerRequest"];
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return new PushwooshSettings(application!, deviceSecret!, tag, manage, maxDevices, minBulk, polls, TimeSpan.FromMilliseconds(pollDelay));
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
