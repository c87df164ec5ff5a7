using System.Text;
using System.Text.Json;
using CohortSync.Core.Sources.Webhooks;

namespace CohortSync.Core.Tests.Sources.Webhooks;

/// <summary>Builds cohort webhook bodies as Amplitude's default template writes them.</summary>
internal static class WebhookMessages
{
    public static byte[] Body(string messageId, bool inCohort, long computedTime, params string[] users) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["cohort_name"] = "Test cohort",
            ["cohort_id"] = "7khm89cz",
            ["in_cohort"] = inCohort,
            ["computed_time"] = computedTime.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["message_id"] = messageId,
            ["users"] = users.Select(u => new Dictionary<string, string> { ["user_id"] = u }).ToArray(),
        }));

    public static StoredCohortWebhook Stored(string messageId, bool inCohort, long computedTime, params string[] users) =>
        new(messageId, computedTime, inCohort, users.Length, DateTimeOffset.UnixEpoch, Body(messageId, inCohort, computedTime, users));
}
