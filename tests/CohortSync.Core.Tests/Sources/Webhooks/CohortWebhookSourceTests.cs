using CohortSync.Core.Definitions;
using CohortSync.Core.Errors;
using CohortSync.Core.Identity;
using CohortSync.Core.Ports;
using CohortSync.Core.Scheduling;

namespace CohortSync.Core.Tests.Sources.Webhooks;

public sealed class CohortWebhookSourceTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 10, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Validate_WebhookSourceWithIdAndSecret_IsValid()
    {
        DefinitionValidator.Validate(Sync(new SourceDefinition("amplitude-webhook", "signups", SecretName: "hook-secret")));
    }

    [Fact]
    public void Validate_WebhookSourceWithoutSecretOrWithABadIdOrSetting_NamesEachField()
    {
        // Arrange
        var source = new SourceDefinition("amplitude-webhook", "Not An Id", Settings: new Dictionary<string, string> { ["syncOnChange"] = "often" });

        // Act
        var ex = Assert.Throws<ValidationException>(() => DefinitionValidator.Validate(Sync(source)));

        // Assert
        Assert.Equal(["source.location", "source.secretName", "source.settings.syncOnChange"], ex.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GetDue_SyncOnChange_LooksEveryMinuteWhateverTheCadence()
    {
        // Arrange: a daily sync that last looked at midnight.
        var onChange = Sync(new SourceDefinition("amplitude-webhook", "signups", SecretName: "s", Settings: new Dictionary<string, string> { ["syncOnChange"] = "true" }), "daily");
        var daily = Sync(new SourceDefinition("amplitude-webhook", "signups", SecretName: "s"), "daily") with { Id = "daily" };
        var state = new SyncState { SyncId = onChange.Id, LastScheduledSlot = Created };

        // Act
        var due = SchedulePlanner.GetDue([(onChange, state), (daily, state with { SyncId = "daily" })], Created.AddMinutes(3).AddSeconds(10));

        // Assert
        var run = Assert.Single(due);
        Assert.Equal(onChange.Id, run.SyncId);
        Assert.Equal(Created.AddMinutes(3), run.Slot);
    }

    private static SyncDefinition Sync(SourceDefinition source, string cadence = "manual") => new()
    {
        Id = "signups-sync",
        Name = "Signups",
        DestinationId = "dest",
        Source = source,
        Identifiers = [new IdentifierMapping("user_id", KeyKind.UserId)],
        Cadence = cadence,
        CreatedAt = Created,
    };
}
