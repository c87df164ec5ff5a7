using System.Text.Json;

namespace CohortSync.Sandbox.Iterable;

/// <summary>One subscriber of a subscribe, by the project-type matrix, and the typed-field rules.</summary>
public sealed partial class IterableSandbox
{
    // One subscriber of a subscribe, by project type (https://support.iterable.com/hc/en-us/articles/9216719179796-Project-Types-and-Unique-Identifiers). Called under the project's lock.
    private bool Subscribe(IterableProject project, SandboxList list, JsonElement subscriber, bool updateExistingUsersOnly, FailedUpdates failed)
    {
        if (!Identify(project, subscriber, failed, out var email, out var userId))
        {
            return false;
        }

        var preferUserId = Flag(subscriber, "preferUserId");
        // A typed project: a value that does not fit the type its field was fixed with fails the whole subscriber.
        if (subscriber.TryGetProperty("dataFields", out var fields) && fields.ValueKind != JsonValueKind.Null
            && (fields.ValueKind != JsonValueKind.Object || !fields.EnumerateObject().All(f => project.Schema.Fits(f.Name, f.Value))))
        {
            (userId is not null ? failed.InvalidDataUserIds : failed.InvalidDataEmails).Add(userId ?? email!);
            return false;
        }

        SandboxUser? user;
        switch (project.ProjectType)
        {
            case IterableProjectType.EmailBased when email is not null:
                // Email is the identity: it wins, and a userId sent beside it overwrites the user's.
                user = project.ByEmail(email) ?? (updateExistingUsersOnly ? null : project.Create(null, email));
                if (user is null)
                {
                    failed.NotFoundEmails.Add(email);
                    return false;
                }

                if (userId is not null)
                {
                    project.SetUserId(user, userId);
                }

                break;

            case IterableProjectType.EmailBased:
                user = project.ByUserId(userId!)
                    ?? (preferUserId && !updateExistingUsersOnly ? project.Create(userId, IterableProject.PlaceholderEmail(userId!)) : null);
                if (user is null)
                {
                    failed.NotFoundUserIds.Add(userId!);
                    return false;
                }

                break;

            case IterableProjectType.UserIdBased when userId is null:
                // Inference: with no userId there is nothing to create a user from, so only a known email subscribes.
                user = project.ByEmail(email!);
                if (user is null)
                {
                    failed.NotFoundEmails.Add(email!);
                    return false;
                }

                break;

            default:
                var byId = userId is null ? null : project.ByUserId(userId);
                var byEmail = email is null ? null : project.ByEmail(email);
                if (byEmail is not null && byId is not null && !ReferenceEquals(byId, byEmail))
                {
                    failed.ConflictEmails.Add(email!);
                    return false;
                }

                if (project.ProjectType == IterableProjectType.UserIdBased && byId is null && byEmail is not null)
                {
                    failed.ConflictEmails.Add(email!);
                    return false;
                }

                user = byId ?? byEmail;
                if (user is null)
                {
                    if (updateExistingUsersOnly)
                    {
                        (userId is not null ? failed.NotFoundUserIds : failed.NotFoundEmails).Add(userId ?? email!);
                        return false;
                    }

                    user = project.Create(userId, email);
                }
                else
                {
                    if (userId is not null && user.UserId is null)
                    {
                        project.SetUserId(user, userId);
                    }

                    if (email is not null && user.Email is null)
                    {
                        project.SetEmail(user, email);
                    }
                }

                break;
        }

        if (fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                project.Schema.Fix(field.Name, field.Value);
                user.DataFields[field.Name] = field.Value.Clone();
            }
        }

        list.Members.Add(user);
        list.Subscribes[user.MemberKey] = list.Subscribes.GetValueOrDefault(user.MemberKey) + 1;
        return true;
    }
}
