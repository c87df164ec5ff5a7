using System.Globalization;
using System.Text.Json;
using CohortSync.Core.Errors;

namespace CohortSync.Core.Sources.Webhooks;

/// <summary>
/// One Amplitude cohort webhook message, the default payload (or a template that keeps its fields): a batch of users who
/// entered (<c>in_cohort: true</c>) or left (<c>false</c>) one cohort at one computation. Users without a <c>user_id</c>
/// (Amplitude sends such users when they only have a device id) are skipped and counted; <c>user_properties</c> are
/// accepted and not read.
/// </summary>
/// <param name="MessageId">Amplitude's <c>message_id</c>: the same on a retry, so the key to deduplicate on.</param>
/// <param name="CohortId">Amplitude's <c>cohort_id</c>.</param>
/// <param name="CohortName">Amplitude's <c>cohort_name</c>, when sent.</param>
/// <param name="InCohort">True when the users entered the cohort, false when they left it.</param>
/// <param name="ComputedTime">Amplitude's <c>computed_time</c>, seconds since the epoch: the order of the changes.</param>
/// <param name="UserIds">The users' ids, as sent.</param>
/// <param name="Skipped">Users without a <c>user_id</c>, not stored.</param>
public sealed record CohortWebhookMessage(
    string MessageId,
    string CohortId,
    string? CohortName,
    bool InCohort,
    long ComputedTime,
    IReadOnlyList<string> UserIds,
    int Skipped)
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>
    /// Parses and checks a body. Throws <see cref="ValidationException"/> naming each bad field (never quoting a value): not
    /// JSON, not an object, a missing or empty <c>message_id</c> or <c>cohort_id</c>, an <c>in_cohort</c> that is not a
    /// boolean, a <c>computed_time</c> that is not whole seconds, <c>users</c> that is not an array of objects, or a
    /// <c>user_id</c> that is not a string of at most <see cref="CohortWebhookSource.MaxUserIdLength"/> characters.
    /// </summary>
    public static CohortWebhookMessage Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException ex)
        {
            throw Invalid("body", $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("body", "must be a JSON object (Amplitude's cohort webhook payload)");
            }

            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var messageId = RequiredString(root, "message_id", CohortWebhookSource.MaxMessageIdLength, errors);
            var cohortId = RequiredString(root, "cohort_id", 256, errors);
            var cohortName = root.TryGetProperty("cohort_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
            var inCohort = ReadInCohort(root, errors);
            var computedTime = ReadComputedTime(root, errors);
            var (users, skipped) = ReadUsers(root, errors);
            if (errors.Count > 0)
            {
                throw new ValidationException(errors);
            }

            return new CohortWebhookMessage(messageId!, cohortId!, cohortName, inCohort, computedTime, users, skipped);
        }
    }

    private static string? RequiredString(JsonElement root, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text || string.IsNullOrWhiteSpace(text))
        {
            errors[field] = ["is required: a non-empty string"];
            return null;
        }

        if (text.Length > maxLength)
        {
            errors[field] = [$"is longer than {maxLength} characters"];
            return null;
        }

        return text;
    }

    // The default template writes a JSON boolean; an older template wrote it without ?c, which FreeMarker renders the same.
    // A quoted "true"/"false" is accepted too (a template that quotes every value).
    private static bool ReadInCohort(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (root.TryGetProperty("in_cohort", out var value))
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                case JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed):
                    return parsed;
            }
        }

        errors["in_cohort"] = ["is required: true (entered) or false (left)"];
        return false;
    }

    // Amplitude sends seconds since the epoch as a string ("1692206763"); a number is accepted too.
    private static long ReadComputedTime(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (root.TryGetProperty("computed_time", out var value))
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0)
            {
                return number;
            }

            if (value.ValueKind == JsonValueKind.String
                && long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return seconds;
            }
        }

        errors["computed_time"] = ["is required: whole seconds since the epoch, as a string or a number"];
        return 0;
    }

    private static (IReadOnlyList<string> Users, int Skipped) ReadUsers(JsonElement root, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty("users", out var users) || users.ValueKind != JsonValueKind.Array)
        {
            errors["users"] = ["is required: an array of objects with a user_id"];
            return ([], 0);
        }

        var ids = new List<string>(users.GetArrayLength());
        var skipped = 0;
        var index = 0;
        foreach (var user in users.EnumerateArray())
        {
            if (user.ValueKind != JsonValueKind.Object)
            {
                errors[$"users[{index}]"] = ["must be an object"];
                return ([], 0);
            }

            if (!user.TryGetProperty("user_id", out var id) || id.ValueKind == JsonValueKind.Null
                || (id.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(id.GetString())))
            {
                skipped++;
            }
            else if (id.ValueKind != JsonValueKind.String)
            {
                errors[$"users[{index}].user_id"] = ["must be a string"];
                return ([], 0);
            }
            else if (id.GetString()!.Trim() is { Length: > CohortWebhookSource.MaxUserIdLength })
            {
                errors[$"users[{index}].user_id"] = [$"is longer than {CohortWebhookSource.MaxUserIdLength} characters"];
                return ([], 0);
            }
            else
            {
                ids.Add(id.GetString()!.Trim());
            }

            index++;
        }

        return (ids, skipped);
    }

    private static ValidationException Invalid(string field, string problem) =>
        new(new Dictionary<string, string[]> { [field] = [problem] });
}
