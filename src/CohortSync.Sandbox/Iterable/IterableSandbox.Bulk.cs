using System.Text.Json;

namespace CohortSync.Sandbox.Iterable;

/// <summary>Subscribe and unsubscribe requests: the body checked, each subscriber applied, the answer with <c>failedUpdates</c>.</summary>
public sealed partial class IterableSandbox
{
    private async Task BulkAsync(HttpContext context, IterableProject project, bool unsubscribe)
    {
        if (unsubscribe)
        {
            Interlocked.Increment(ref _unsubscribeRequests);
        }
        else
        {
            Interlocked.Increment(ref _subscribeRequests);
        }

        using var json = await ReadJsonAsync(context);
        if (json is null)
        {
            return;
        }

        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("listId", out var listIdElement) || listIdElement.ValueKind != JsonValueKind.Number || !listIdElement.TryGetInt64(out var listId)
            || !root.TryGetProperty("subscribers", out var subscribers) || subscribers.ValueKind != JsonValueKind.Array)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", "Invalid parameters: listId and subscribers are required");
            return;
        }

        if (subscribers.GetArrayLength() > MaxSubscribersPerRequest)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BatchTooLarge", $"At most {MaxSubscribersPerRequest} subscribers per request");
            return;
        }

        var updateExistingUsersOnly = !unsubscribe && Flag(root, "updateExistingUsersOnly");
        if (unsubscribe && Flag(root, "channelUnsubscribe"))
        {
            Interlocked.Increment(ref _channelUnsubscribes);
        }

        var failed = new FailedUpdates();
        int success = 0, fail = 0;
        string? refusal = null;
        lock (project.Gate)
        {
            var list = project.FindList(listId);
            if (list is null)
            {
                // UNVERIFIED whether Iterable answers 400 or 404 for an unknown list.
                refusal = "Invalid parameters: list does not exist";
            }
            else if (!string.Equals(list.ListType, "Standard", StringComparison.Ordinal))
            {
                refusal = "Invalid parameters: only static lists can be changed";
            }
            else
            {
                foreach (var subscriber in subscribers.EnumerateArray())
                {
                    if (unsubscribe ? Unsubscribe(project, list, subscriber, failed) : Subscribe(project, list, subscriber, updateExistingUsersOnly, failed))
                    {
                        success++;
                    }
                    else
                    {
                        fail++;
                    }
                }
            }
        }

        if (refusal is not null)
        {
            await EnvelopeAsync(context, StatusCodes.Status400BadRequest, "BadParams", refusal);
            return;
        }

        await context.Response.WriteAsJsonAsync(new
        {
            successCount = success,
            failCount = fail,
            invalidEmails = failed.InvalidEmails,
            invalidUserIds = failed.InvalidUserIds,
            failedUpdates = failed,
            createdFields = Array.Empty<string>(),
            filteredOutFields = Array.Empty<string>(),
        });
    }

    // One subscriber of an unsubscribe: a user Iterable does not know is reported in notFound*. Called under the project's lock.
    private bool Unsubscribe(IterableProject project, SandboxList list, JsonElement subscriber, FailedUpdates failed)
    {
        if (!Identify(project, subscriber, failed, out var email, out var userId))
        {
            return false;
        }

        var user = userId is not null ? project.ByUserId(userId) : project.ByEmail(email!);
        if (user is null)
        {
            (userId is not null ? failed.NotFoundUserIds : failed.NotFoundEmails).Add(userId ?? email!);
            return false;
        }

        list.Members.Remove(user);
        return true;
    }

    // Reads and checks a subscriber's identifiers; false (recorded in failed, or unattributed when there is none) if unusable.
    private bool Identify(IterableProject project, JsonElement subscriber, FailedUpdates failed, out string? email, out string? userId)
    {
        email = subscriber.ValueKind == JsonValueKind.Object ? String(subscriber, "email") : null;
        userId = subscriber.ValueKind == JsonValueKind.Object ? String(subscriber, "userId") : null;
        if (email is null && userId is null)
        {
            return false;
        }

        if (email is not null && !IterableValidation.IsValidEmail(email, KnownTlds))
        {
            failed.InvalidEmails.Add(email);
            return false;
        }

        if (userId is not null && !IterableValidation.IsValidUserId(userId))
        {
            failed.InvalidUserIds.Add(userId);
            return false;
        }

        if (email is not null && project.ForgottenEmails.Contains(email))
        {
            failed.ForgottenEmails.Add(email);
            project.CountForgottenRefusal(email);
            return false;
        }

        if (userId is not null && project.ForgottenUserIds.Contains(userId))
        {
            failed.ForgottenUserIds.Add(userId);
            project.CountForgottenRefusal(userId);
            return false;
        }

        return true;
    }

    // failedUpdates of a bulk answer (FailedUserUpdates); serialized with camelCase names.
    private sealed class FailedUpdates
    {
        public List<string> InvalidEmails { get; } = [];

        public List<string> InvalidUserIds { get; } = [];

        public List<string> NotFoundEmails { get; } = [];

        public List<string> NotFoundUserIds { get; } = [];

        public List<string> ForgottenEmails { get; } = [];

        public List<string> ForgottenUserIds { get; } = [];

        public List<string> ConflictEmails { get; } = [];

        public List<string> ConflictUserIds { get; } = [];

        public List<string> InvalidDataEmails { get; } = [];

        public List<string> InvalidDataUserIds { get; } = [];
    }
}
