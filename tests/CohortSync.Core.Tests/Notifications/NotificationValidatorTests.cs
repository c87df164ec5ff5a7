using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Notifications;

namespace CohortSync.Core.Tests.Notifications;

public sealed class NotificationValidatorTests
{
    private static readonly SyncDefinition Sync = new()
    {
        Id = "trials",
        Name = "Trial users",
        DestinationId = "braze-eu",
        Source = new SourceDefinition("file", "/data/trials.csv"),
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
    };

    [Fact]
    public void Validate_GoodTargets_Passes()
    {
        // Arrange
        var sync = Sync with
        {
            Notifications =
            [
                new NotificationTarget { Type = "webhook", Url = "https://ops.example.test/hooks/cohortsync", SecretName = "notify-key", Events = ["failed", "PartlyFailed"] },
                new NotificationTarget { Type = "slack", SecretName = "slack-url" },
                new NotificationTarget { Type = "teams", Url = "https://example.webhook.office.com/x" },
            ],
        };

        // Act + Assert: nothing thrown
        DefinitionValidator.Validate(sync);
    }

    [Fact]
    public void Validate_BadTargets_NamesEachBadFieldByItsPlace()
    {
        // Arrange
        var sync = Sync with
        {
            Notifications =
            [
                new NotificationTarget { Type = "webhook", Url = "ftp://ops.example.test/x", Events = ["done"] },
                new NotificationTarget { Type = "pager" },
                new NotificationTarget { Type = "slack", Url = "https://hooks.slack.test/T/B/x", SecretName = "slack-url" },
                new NotificationTarget { Type = "teams" },
                new NotificationTarget { Type = "webhook", Url = "https://a.test/", SecretName = "bad name!" },
            ],
        };

        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(sync));

        // Assert
        Assert.Equal(
            ["notifications[0].events", "notifications[0].secretName", "notifications[0].url", "notifications[1].type", "notifications[2].url", "notifications[3].url", "notifications[4].secretName"],
            error.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("'done'", error.Errors["notifications[0].events"].Single(), StringComparison.Ordinal);
        Assert.Contains("must be an absolute http(s) URL", error.Errors["notifications[0].url"], StringComparer.Ordinal);
        Assert.Contains("is required for a webhook", error.Errors["notifications[0].secretName"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TooManyTargets_IsRefused()
    {
        // Arrange
        var sync = Sync with
        {
            Notifications = Enumerable.Range(0, NotificationValidator.MaxTargets + 1).Select(_ => new NotificationTarget { Type = "teams", Url = "https://t.test/" }).ToList(),
        };

        // Act
        var error = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(sync));

        // Assert
        Assert.Equal(["notifications"], error.Errors.Keys);
    }

    [Fact]
    public void Wants_NoEvents_TakesEveryEvent_ElseOnlyItsOwn()
    {
        // Arrange
        var all = new NotificationTarget { Type = "teams", Url = "https://t.test/" };
        var failures = all with { Events = ["failed", "partlyFailed"] };

        // Assert
        Assert.All(NotificationEvents.All, e => Assert.True(all.Wants(e)));
        Assert.Equal([NotificationEvents.PartlyFailed, NotificationEvents.Failed], NotificationEvents.All.Where(failures.Wants));
    }
}
